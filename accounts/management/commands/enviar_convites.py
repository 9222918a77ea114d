"""Envia convites (validação de cadastro) às pessoas importadas que ainda não ativaram."""

from django.core.management.base import BaseCommand

from accounts import convites


class Command(BaseCommand):
    help = (
        "Agenda convites, em lotes por minuto, para pessoas importadas pendentes. "
        "Quem já recebeu convite não recebe outro, a menos que se use --reenviar."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reenviar",
            action="store_true",
            help="Manda de novo também a quem já foi convidado (o link anterior deixa de valer).",
        )
        parser.add_argument(
            "--por-minuto", type=int, default=None, help="Tamanho do lote por minuto."
        )
        parser.add_argument(
            "--resumo", action="store_true", help="Só mostra as contagens, sem enviar nada."
        )

    def handle(self, *args, reenviar, por_minuto, resumo, **options):
        if not resumo:
            agendados = convites.agendar_convites(reenviar=reenviar, por_minuto=por_minuto)
            self.stdout.write(f"{agendados} convite(s) agendado(s).")
        r = convites.resumo()
        self.stdout.write(
            f"Convites: {r['enviados']} enviado(s), {r['pendentes']} na fila, "
            f"{r['falhas']} com falha; {r['sem_convite']} pessoa(s) ainda sem convite."
        )
