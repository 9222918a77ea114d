"""Expira as inscrições pelo portal nunca ativadas cujo link venceu (o beat roda a cada hora)."""

from django.core.management.base import BaseCommand

from accounts import services


class Command(BaseCommand):
    help = (
        "Expira as inscrições feitas no portal que não foram ativadas no prazo do link de "
        "primeiro acesso e não têm CPF confirmado nem outros dados: o CPF fica livre para uma "
        "nova inscrição e a conta é anonimizada (a auditoria continua)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--simular", action="store_true", help="Só conta as inscrições vencidas, sem expirar."
        )

    def handle(self, *args, simular, **options):
        if simular:
            total = services.inscricoes_a_expirar().count()
            self.stdout.write(f"{total} inscrição(ões) vencida(s) a expirar.")
            return
        total = services.expirar_inscricoes()
        self.stdout.write(f"{total} inscrição(ões) expirada(s); os CPFs estão livres.")
