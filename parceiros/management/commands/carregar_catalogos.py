from django.apps import apps
from django.core.management.base import BaseCommand

from parceiros.catalogos import carregar_catalogos
from parceiros.models import NaturezaJuridica, Obrigacao, TipoParceiro


class Command(BaseCommand):
    help = "Cria os catálogos iniciais que faltam (naturezas jurídicas, tipos, obrigações)."

    def handle(self, *args, **options):
        carregar_catalogos(apps)
        self.stdout.write(
            f"Catálogos: {NaturezaJuridica.objects.count()} naturezas jurídicas, "
            f"{TipoParceiro.objects.count()} tipos, {Obrigacao.objects.count()} obrigações."
        )
