from django.core.management.base import BaseCommand, CommandError

from declaracoes import dados_abertos
from declaracoes.exportacao import milhar


class Command(BaseCommand):
    help = (
        "Gera os arquivos de dados abertos de hoje (CSV e JSON Lines de todos os Parceiros), "
        "trocando os de hoje se já existirem, e apaga os de mais de "
        f"{dados_abertos.DIAS_GUARDADOS} dias."
    )

    def handle(self, *args, **options):
        try:
            geracao = dados_abertos.gerar()
        except dados_abertos.GeracaoEmAndamento as erro:
            raise CommandError(erro.mensagem) from erro
        for arquivo in geracao.arquivos:
            self.stdout.write(
                f"{arquivo.get_formato_display()}: {arquivo.arquivo.name} — "
                f"{milhar(arquivo.linhas)} linha(s), {milhar(arquivo.tamanho)} bytes, "
                f"SHA-256 {arquivo.sha256}"
            )
        self.stdout.write(
            f"{geracao.apagados} arquivo(s) com mais de {dados_abertos.DIAS_GUARDADOS} dias "
            "apagado(s)."
        )
