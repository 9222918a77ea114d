"""Envia convites (validação de cadastro) às pessoas importadas que ainda não ativaram."""

from django.core.management.base import BaseCommand

from accounts import convites


class Command(BaseCommand):
    help = (
        "Pede convites para as pessoas importadas pendentes; o beat os envia, "
        "CONVITES_POR_MINUTO por minuto. "
        "Quem já recebeu convite não recebe outro, a menos que se use --reenviar."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reenviar",
            action="store_true",
            help="Manda de novo também a quem já foi convidado (o link anterior deixa de valer).",
        )
        parser.add_argument(
            "--resumo", action="store_true", help="Só mostra o progresso, sem pedir convites."
        )

    def handle(self, *args, reenviar, resumo, **options):
        if not resumo:
            agendados = convites.agendar_convites(reenviar=reenviar)
            self.stdout.write(f"{agendados} convite(s) agendado(s).")
        self.stdout.write(convites.progresso_legivel())
