"""Importação de cadastro: zip bomb, linhas demais e injeção de fórmula no CSV de erros
(issue #11, item 21)."""

import csv
import io
import re
import zipfile

import pytest
from django.conf import settings as configuracoes
from django.core.files.base import ContentFile
from openpyxl import Workbook

from cagec.lib.arquivos import celula_csv_segura, nome_de_arquivo_enviado
from parceiros import importacao
from parceiros.importacao import COLUNAS, ArquivoInvalido, leitura
from parceiros.models import ImportacaoCadastro
from tests.parceiros.test_importacao import conteudo_csv, erros_do_csv, linha

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]
FALHOU = ImportacaoCadastro.Status.FALHOU


def xlsx(n_linhas, *, sem_dimensao=False, extra=None):
    """Planilha com o cabeçalho e ``n_linhas`` linhas válidas (openpyxl grava ``<dimension>``).

    ``sem_dimensao``: tira a ``<dimension>`` da planilha (Excel e outros nem sempre a gravam);
    ``extra``: (nome, bytes) de mais um membro no zip.
    """
    livro = Workbook()
    planilha = livro.active
    planilha.append(list(COLUNAS))
    for n in range(1, n_linhas + 1):
        planilha.append([linha(n)[c] for c in COLUNAS])
    saida = io.BytesIO()
    livro.save(saida)
    if not (sem_dimensao or extra):
        return saida.getvalue()
    entrada = zipfile.ZipFile(io.BytesIO(saida.getvalue()))
    refeito = io.BytesIO()
    with zipfile.ZipFile(refeito, "w", zipfile.ZIP_DEFLATED) as novo:
        for membro in entrada.infolist():
            dados = entrada.read(membro)
            if sem_dimensao and membro.filename.startswith("xl/worksheets/"):
                assert b"<dimension" in dados
                dados = re.sub(rb"<dimension[^>]*/>", b"", dados)
            novo.writestr(membro.filename, dados)
        if extra:
            novo.writestr(*extra)
    return refeito.getvalue()


def importar(conteudo, nome="carga.xlsx", confirmar=False):
    return importacao.importar_arquivo(
        ContentFile(conteudo, name=nome), confirmar_importacao=confirmar
    )


@pytest.fixture
def openpyxl_proibido(monkeypatch):
    """Falha o teste se a planilha chegar a ser aberta pelo openpyxl."""
    import openpyxl

    def aberta(*args, **kwargs):
        raise AssertionError("o openpyxl abriu a planilha antes da recusa")

    monkeypatch.setattr(openpyxl, "load_workbook", aberta)


# --- Zip bomb ---------------------------------------------------------------------------------
def test_xlsx_que_descompactado_passa_do_limite_e_recusado_antes_de_abrir(
    settings, openpyxl_proibido
):
    settings.IMPORTACAO_XLSX_DESCOMPACTADO_MAXIMO = 2 * 1024 * 1024
    # 8 MB de zeros viram poucos KB no zip: a razão de uma zip bomb, em pequeno.
    bomba = xlsx(1, extra=("xl/media/bomba.bin", b"\x00" * (8 * 1024 * 1024)))
    assert len(bomba) < 100_000

    feita = importar(bomba)

    assert feita.status == FALHOU
    assert "A planilha descompactada teria 8 MB; o máximo é 2 MB." in feita.mensagem
    assert "Divida-a em arquivos menores" in feita.mensagem


def test_xlsx_normal_abaixo_do_limite_importa(settings):
    settings.IMPORTACAO_XLSX_DESCOMPACTADO_MAXIMO = 2 * 1024 * 1024

    feita = importar(xlsx(3), confirmar=True)

    assert feita.status == ImportacaoCadastro.Status.CONCLUIDA
    assert feita.resultado["validas"] == 3, feita.primeiros_erros


def test_zip_quebrado_continua_com_a_mensagem_de_planilha_invalida(openpyxl_proibido):
    feita = importar(b"PK\x03\x04" + b"\x00" * 200)

    assert feita.status == FALHOU
    assert "A planilha não pôde ser aberta" in feita.mensagem


# --- Linhas demais ------------------------------------------------------------------------------
def test_xlsx_com_mais_linhas_que_o_maximo_e_recusado_pela_dimensao_antes_de_abrir(
    settings, openpyxl_proibido
):
    settings.IMPORTACAO_LINHAS_MAXIMO = 5

    feita = importar(xlsx(6))

    assert feita.status == FALHOU
    assert "O arquivo tem 6 linhas; o máximo por importação é 5." in feita.mensagem


def test_xlsx_sem_dimensao_e_recusado_ao_passar_do_maximo_na_leitura(settings):
    settings.IMPORTACAO_LINHAS_MAXIMO = 5

    feita = importar(xlsx(8, sem_dimensao=True), confirmar=True)

    assert feita.status == FALHOU
    assert "o máximo por importação é 5" in feita.mensagem
    assert not feita.resultado


def test_xlsx_no_limite_de_linhas_passa(settings):
    settings.IMPORTACAO_LINHAS_MAXIMO = 5

    feita = importar(xlsx(5, sem_dimensao=True))

    assert feita.status == ImportacaoCadastro.Status.PRONTA
    assert feita.contagens["validas"] == 5, feita.primeiros_erros


def test_csv_com_mais_linhas_que_o_maximo_e_recusado_antes_de_ler(settings):
    settings.IMPORTACAO_LINHAS_MAXIMO = 5

    feita = importar(conteudo_csv([linha(n) for n in range(1, 7)]), nome="carga.csv")

    assert feita.status == FALHOU
    assert "O arquivo tem 6 linhas; o máximo por importação é 5." in feita.mensagem


def test_limites_padrao_cabem_o_benchmark_de_100_mil_linhas():
    # bench/importar.py: 100 000 linhas; ~8,6 MB descompactados a cada 10 000 linhas de XLSX.
    assert configuracoes.IMPORTACAO_LINHAS_MAXIMO > 100_000
    assert configuracoes.IMPORTACAO_XLSX_DESCOMPACTADO_MAXIMO > 2 * 86 * 1024 * 1024


def test_leitura_direta_tambem_recusa(settings, openpyxl_proibido):
    settings.IMPORTACAO_LINHAS_MAXIMO = 2
    with pytest.raises(ArquivoInvalido, match="o máximo por importação é 2"):
        leitura.ler(io.BytesIO(xlsx(3)), "carga.xlsx")


# --- CSV de erros: nome do arquivo e motivos não viram fórmula -----------------------------------
@pytest.mark.parametrize(
    ("inicio", "celula_comeca"),
    [("=", "'="), ("+", "'+"), ("-", "'-"), ("@", "'@"), ("\t", "H"), ("\r", "H")],
    ids=["igual", "mais", "menos", "arroba", "tab", "cr"],
)
def test_nome_de_arquivo_que_comeca_como_formula_sai_como_texto_no_csv_de_erros(
    inicio, celula_comeca
):
    """``= + - @`` ganham um apóstrofo; tab e CR (controle) saem do nome já ao guardá-lo."""
    nome = f'{inicio}HYPERLINK("mal.example";"clique")&A1.csv'

    feita = importar(conteudo_csv([linha(1, cpf="123")]), nome=nome)

    erros = erros_do_csv(feita)
    assert len(erros) == 1
    celula = erros[0]["arquivo"]
    assert celula.startswith(celula_comeca), celula
    assert celula.endswith('HYPERLINK("mal.example";"clique")&A1.csv')


def test_nome_com_pasta_e_caracteres_de_controle_e_limpo_antes_de_guardar():
    nome = "C:\\Users\\fulano\\..\\..\\=cmd|' -C calc'!A0\r\n\x00carga.csv"

    feita = importar(conteudo_csv([linha(1, cpf="123")]), nome=nome)

    assert feita.nome == "=cmd|' -C calc'!A0carga.csv"
    texto = feita.arquivo_erros.open("rb").read().decode("utf-8-sig")
    linhas = list(csv.reader(io.StringIO(texto), delimiter=";"))
    assert linhas[1][0] == "'=cmd|' -C calc'!A0carga.csv"
    assert len(linhas) == 2  # nenhuma quebra de linha do nome virou linha nova


@pytest.mark.parametrize(
    ("valor", "esperado"),
    [
        ("=1+1", "'=1+1"),
        ("  =1+1", "'  =1+1"),
        ("\t=1+1", "'=1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("carga.csv", "carga.csv"),
        ("linha\r\nnova", "linhanova"),
        ("\x00=1", "'=1"),
        (7, 7),
    ],
)
def test_celula_csv_segura(valor, esperado):
    assert celula_csv_segura(valor) == esperado


def test_nome_de_arquivo_enviado():
    assert nome_de_arquivo_enviado("../../etc/passwd") == "passwd"
    assert nome_de_arquivo_enviado("C:\\x\\y\\carga.xlsx") == "carga.xlsx"
    assert nome_de_arquivo_enviado("a\u202efdp.exe") == "afdp.exe"
    assert nome_de_arquivo_enviado("\r\n") == "arquivo"
    assert len(nome_de_arquivo_enviado("x" * 500)) == 200
