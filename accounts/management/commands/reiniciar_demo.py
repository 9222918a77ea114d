"""``make reset-demo``: apaga o banco SQLite e a pasta media/ do modo embutido e recarrega.

Só age sobre os arquivos do modo embutido (``db.sqlite3`` e ``media/`` na raiz do projeto,
com ``DJANGO_DEBUG=true``): com ``DATABASE_URL`` apontando para outro banco (PostgreSQL,
outro arquivo) ou ``MEDIA_ROOT`` noutro lugar, recusa sem apagar nada.
"""

import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

BANCO_EMBUTIDO = "db.sqlite3"
MEDIA_EMBUTIDA = "media"


def _recusa() -> str | None:
    """O motivo para não apagar nada, ou None quando é mesmo o modo embutido."""
    banco = settings.DATABASES["default"]
    raiz = Path(settings.BASE_DIR)
    if not settings.DEBUG:
        return "reiniciar_demo só roda no modo embutido (DJANGO_DEBUG=true, como em `make run`)."
    if (
        banco["ENGINE"] != "django.db.backends.sqlite3"
        or Path(banco["NAME"]) != raiz / BANCO_EMBUTIDO
    ):
        return (
            "O banco configurado não é o db.sqlite3 do modo embutido (DATABASE_URL aponta "
            "para outro lugar): nada foi apagado."
        )
    if Path(settings.MEDIA_ROOT) != raiz / MEDIA_EMBUTIDA:
        return "MEDIA_ROOT não é a pasta media/ do modo embutido: nada foi apagado."
    return None


class Command(BaseCommand):
    help = "Apaga o banco e os arquivos do modo embutido e recarrega a demonstração."

    def handle(self, *args: Any, **options: Any) -> None:
        motivo = _recusa()
        if motivo:
            raise CommandError(motivo)
        raiz = Path(settings.BASE_DIR)
        connections.close_all()
        for arquivo in raiz.glob(BANCO_EMBUTIDO + "*"):  # com -wal e -shm do modo WAL
            arquivo.unlink()
        shutil.rmtree(raiz / MEDIA_EMBUTIDA, ignore_errors=True)
        self.stdout.write("Banco e arquivos da demonstração apagados; recarregando…")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("carregar_demo", stdout=self.stdout)
        self.stdout.write("Pronto. Para servir o portal: make run")
