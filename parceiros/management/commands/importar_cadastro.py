"""``importar_cadastro <arquivo> [--organizacoes <arquivo>] [--confirmar]``."""

from contextlib import ExitStack
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from parceiros import importacao as servico
from parceiros.models import ImportacaoCadastro

ROTULOS = {
    "pessoas": "Pessoas",
    "organizacoes": "Organizações",
    "vinculos": "Vínculos de RL",
}


class Command(BaseCommand):
    help = (
        "Importa pessoas, organizações e vínculos de RL de um CSV ou XLSX (ou de dois: pessoas "
        "e, com --organizacoes, as organizações por CNPJ). Sem --confirmar, só mostra a prévia "
        "(nada é gravado)."
    )

    def add_arguments(self, parser):
        parser.add_argument("arquivo", help="caminho do CSV (UTF-8, ; ou ,) ou XLSX")
        parser.add_argument(
            "--organizacoes",
            metavar="ARQUIVO",
            help="CSV/XLSX com cnpj, razao_social, natureza_juridica, tipo, municipio, uf; o "
            "arquivo principal traz então só as pessoas, o CNPJ e o mandato",
        )
        parser.add_argument(
            "--confirmar", action="store_true", help="grava de fato (sem isto é só a prévia)"
        )

    def handle(self, arquivo, confirmar, organizacoes=None, **opcoes):
        caminhos = [Path(arquivo)] + ([Path(organizacoes)] if organizacoes else [])
        for caminho in caminhos:
            if not caminho.is_file():
                raise CommandError(f"Arquivo não encontrado: {caminho}")
        with ExitStack() as pilha:
            abertos = [File(pilha.enter_context(c.open("rb")), name=c.name) for c in caminhos]
            importacao = servico.importar_arquivo(
                abertos[0],
                organizacoes=abertos[1] if organizacoes else None,
                confirmar_importacao=confirmar,
            )
        if importacao.status == ImportacaoCadastro.Status.FALHOU:
            raise CommandError(f"Importação nº {importacao.pk}: {importacao.mensagem}")
        contagens = importacao.resultado if confirmar else importacao.contagens
        titulo = "Importação concluída" if confirmar else "Prévia (nada foi gravado)"
        self.stdout.write(f"{titulo} — importação nº {importacao.pk}")
        self.stdout.write(
            f"Linhas: {contagens['linhas']} · válidas: {contagens['validas']} · "
            f"inválidas: {contagens['invalidas']} · repetidas: {contagens['repetidas']}"
        )
        for chave, rotulo in ROTULOS.items():
            grupo = contagens[chave]
            extra = ""
            if "mantidos" in grupo:
                extra = f" · contas ativas mantidas: {grupo['mantidos']}"
            if "encerrados" in grupo:
                extra = f" · encerrados: {grupo['encerrados']}"
            self.stdout.write(
                f"{rotulo}: novos {grupo['novos']} · atualizados {grupo['atualizados']} · "
                f"inalterados {grupo['inalterados']}{extra}"
            )
        if "arquivo_organizacoes" in contagens:
            org = contagens["arquivo_organizacoes"]
            self.stdout.write(
                f"Arquivo de organizações: {org['linhas']} linha(s) · com erro: "
                f"{org['com_erro']} · sem RL: {org['sem_rl']}"
            )
        if importacao.total_erros:
            self.stdout.write(
                f"{importacao.total_erros} erro(s) em {contagens['invalidas']} linha(s): "
                f"{_caminho(importacao.arquivo_erros)}"
            )
        if not confirmar:
            self.stdout.write("Para gravar, rode de novo com --confirmar.")


def _caminho(arquivo):
    try:
        return arquivo.path
    except NotImplementedError:  # armazenamento remoto (S3): o nome no armazenamento
        return arquivo.name
