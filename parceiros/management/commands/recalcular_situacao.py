from datetime import date

from django.core.management.base import BaseCommand, CommandError

from parceiros import avisos, situacao


class Command(BaseCommand):
    help = "Recalcula a situação de todos os Parceiros e envia os avisos de vencimento."

    def add_arguments(self, parser):
        parser.add_argument("--data", help="Dia de referência (AAAA-MM-DD); padrão: hoje.")
        parser.add_argument("--sem-avisos", action="store_true", help="Só recalcula.")

    def handle(self, *args, data=None, sem_avisos=False, **options):
        try:
            dia = date.fromisoformat(data) if data else situacao.hoje()
        except ValueError as erro:
            raise CommandError("Data inválida; use AAAA-MM-DD.") from erro
        mudaram = situacao.recalcular_todos(dia)
        avisados = 0 if sem_avisos else avisos.avisar_vencimentos(dia)
        self.stdout.write(
            f"{dia:%d/%m/%Y}: {mudaram} Parceiro(s) mudaram de situação; "
            f"{avisados} aviso(s) de vencimento."
        )
