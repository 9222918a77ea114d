"""Leitura do arquivo de importação (CSV ou XLSX, em fluxo): colunas, cabeçalho, linhas."""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import IO

from django.conf import settings

from cagec.lib.busca import normalizar_busca

from ..erros import ErroDeParceiros

COLUNAS = (
    "cpf",
    "nome",
    "email",
    "telefone",
    "cnpj",
    "razao_social",
    "natureza_juridica",
    "tipo",
    "municipio",
    "uf",
    "cargo",
    "mandato_inicio",
    "mandato_fim",
)
# Com um segundo arquivo, as colunas da organização vêm dele (ligado pelo CNPJ) e o
# principal traz só a pessoa, o CNPJ e o mandato.
COLUNAS_ORGANIZACAO = ("cnpj", "razao_social", "natureza_juridica", "tipo", "municipio", "uf")
COLUNAS_PESSOA = tuple(c for c in COLUNAS if c == "cnpj" or c not in COLUNAS_ORGANIZACAO)

# (número da linha no arquivo, {coluna: valor}); None no lugar do dicionário: linha vazia.
LinhaLida = tuple[int, dict[str, str] | None]
OPCIONAIS = {"telefone"}
ROTULOS = {
    "cpf": "CPF",
    "nome": "Nome",
    "email": "E-mail",
    "telefone": "Telefone",
    "cnpj": "CNPJ",
    "razao_social": "Razão social",
    "natureza_juridica": "Natureza jurídica",
    "tipo": "Tipo",
    "municipio": "Município",
    "uf": "UF",
    "cargo": "Cargo",
    "mandato_inicio": "Início do mandato",
    "mandato_fim": "Fim do mandato",
    "linha": "Linha",
}
EXEMPLO = {
    "cpf": "529.982.247-25",
    "nome": "Maria da Silva",
    "email": "maria.silva@exemplo.mg.gov.br",
    "telefone": "(31) 99999-0000",
    "cnpj": "18.000.001/0001-00",
    "razao_social": "MUNICIPIO DE SAO JOSE DAS ALMAS",
    "natureza_juridica": "124-4",
    "tipo": "Município",
    "municipio": "São José das Almas",
    "uf": "MG",
    "cargo": "Prefeita",
    "mandato_inicio": "01/01/2025",
    "mandato_fim": "31/12/2028",
}
_SEPARADORES_ESTRANHOS = ("\t", "|")


class ArquivoInvalido(ErroDeParceiros):
    """O arquivo inteiro não pode ser lido (codificação, separador, cabeçalho, vazio)."""


def _coluna(texto):
    return normalizar_busca(texto).lower().replace(" ", "_").replace("-", "_")


def ler(
    arquivo: IO[bytes], nome: str = "", exigidas: tuple[str, ...] = COLUNAS
) -> tuple[int, Iterator[LinhaLida]]:
    """(total de linhas de dados, iterador de (número da linha, {coluna: valor})).

    ``arquivo`` aberto em binário; ``exigidas``: as colunas que o cabeçalho precisa ter
    (``COLUNAS``, ou ``COLUNAS_PESSOA`` / ``COLUNAS_ORGANIZACAO`` com dois arquivos). Erros
    do arquivo inteiro viram ``ArquivoInvalido`` com a explicação em português; erros de uma
    linha ficam para a validação.
    """
    inicio = arquivo.read(4)
    arquivo.seek(0)
    if inicio.startswith(b"PK\x03\x04"):
        return _ler_xlsx(arquivo, exigidas)
    if nome.lower().endswith((".xlsx", ".xls")):
        raise ArquivoInvalido(
            "A planilha não pôde ser aberta: envie um XLSX (Excel 2007 ou mais novo) ou um CSV."
        )
    return _ler_csv(arquivo, exigidas)


def _contar_linhas_utf8(arquivo):
    """Confere a codificação do arquivo todo (em blocos) e conta as linhas, antes de ler."""
    decodificador = codecs.getincrementaldecoder("utf-8")()
    linhas = 0
    conteudo = False
    while bloco := arquivo.read(1 << 20):
        try:
            texto = decodificador.decode(bloco)
        except UnicodeDecodeError as erro:
            linha = linhas + bloco[: erro.start].count(b"\n") + 1
            raise ArquivoInvalido(
                f"O arquivo não está em UTF-8 (caractere inválido na linha {linha}). "
                "Salve-o como “CSV UTF-8” e envie de novo."
            ) from erro
        linhas += bloco.count(b"\n")
        conteudo = conteudo or bool(texto.strip("\ufeff \r\n\t"))
    try:
        decodificador.decode(b"", final=True)
    except UnicodeDecodeError as erro:
        raise ArquivoInvalido(
            "O arquivo não está em UTF-8 (termina no meio de um caractere). "
            "Salve-o como “CSV UTF-8” e envie de novo."
        ) from erro
    arquivo.seek(0)
    if not conteudo:
        raise ArquivoInvalido("O arquivo está vazio.")
    return linhas


def _cabecalho(colunas_brutas, exigidas):
    """Nomes das colunas; aceita também os rótulos ("E-mail", "Início do mandato")."""
    apelidos = {_coluna(ROTULOS[c]): c for c in COLUNAS}
    colunas = [apelidos.get(_coluna(c), _coluna(c)) for c in colunas_brutas]
    faltando = [c for c in exigidas if c not in colunas]
    return colunas, faltando


def _mensagem_faltando(faltando):
    return "Faltam colunas no cabeçalho: " + ", ".join(faltando) + "."


def _conferir_linhas(total):
    maximo = settings.IMPORTACAO_LINHAS_MAXIMO
    if total > maximo:
        raise ArquivoInvalido(
            f"O arquivo tem {total:,} linhas; o máximo por importação é {maximo:,}. "
            "Divida-o em arquivos menores e importe um de cada vez.".replace(",", ".")
        )


def _ler_csv(arquivo, exigidas):
    total = _contar_linhas_utf8(arquivo)
    _conferir_linhas(max(total - 1, 0))
    texto = io.TextIOWrapper(arquivo, encoding="utf-8-sig", newline="")
    primeira = texto.readline()
    while primeira and not primeira.strip():
        primeira = texto.readline()
    opcoes = {}
    for separador in (";", ","):
        brutas = next(csv.reader([primeira], delimiter=separador), [])
        opcoes[separador] = (brutas, *_cabecalho(brutas, exigidas))
    separador = min(opcoes, key=lambda s: len(opcoes[s][2]))
    _, colunas, faltando = opcoes[separador]
    if len(faltando) == len(exigidas):
        if any(s in primeira for s in _SEPARADORES_ESTRANHOS) or any(
            c in _coluna(primeira) for c in ("cpf", "cnpj")
        ):
            raise ArquivoInvalido(
                "Separador de colunas não reconhecido: use ponto e vírgula (;) ou vírgula (,)."
            )
        raise ArquivoInvalido(
            "A primeira linha não é o cabeçalho esperado. " + _mensagem_faltando(faltando)
        )
    if faltando:
        raise ArquivoInvalido(_mensagem_faltando(faltando))
    leitor = csv.reader(texto, delimiter=separador)

    def linhas():
        try:
            for valores in leitor:
                yield leitor.line_num + 1, _como_dict(colunas, valores)
        except UnicodeDecodeError as erro:  # já conferido; só se o arquivo mudar no meio
            raise ArquivoInvalido("O arquivo não está em UTF-8.") from erro
        except csv.Error as erro:
            raise ArquivoInvalido(
                f"CSV malformado perto da linha {leitor.line_num + 1}: confira as aspas."
            ) from erro

    return max(total - 1, 0), linhas()


def _como_dict(colunas, valores):
    """Valores por coluna; colunas a mais ou a menos viram o erro ``_colunas``."""
    if not any(str(v).strip() for v in valores if v is not None):
        return None
    dados = {}
    for coluna, valor in zip(colunas, valores, strict=False):
        if coluna in COLUNAS:
            dados[coluna] = valor
    sobra = [v for v in valores[len(colunas) :] if v not in (None, "")]
    if len(valores) < len(colunas) or sobra:
        dados["_colunas"] = (len(valores), len(colunas))
    return dados


_NAO_ABRE = "A planilha não pôde ser aberta: envie um XLSX válido (Excel 2007 ou mais novo)."
# ``<dimension ref="A1:M100001"/>`` no começo do XML da planilha: a última linha declarada.
_DIMENSAO = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d*:?[A-Z]*(\d+)\"")


def _conferir_zip(arquivo):
    """Antes do openpyxl: tamanho descompactado declarado e linhas declaradas da planilha.

    Um XLSX é um zip; poucos KB podem descompactar em GB (zip bomb). O ``zipfile`` do Python
    não entrega mais bytes do que o tamanho declarado de cada membro (e confere o CRC), então
    somar os tamanhos declarados limita de fato o que a leitura vai descompactar.
    """
    maximo = settings.IMPORTACAO_XLSX_DESCOMPACTADO_MAXIMO
    try:
        with zipfile.ZipFile(arquivo) as pacote:
            membros = pacote.infolist()
            total = sum(m.file_size for m in membros)
            if total > maximo:
                raise ArquivoInvalido(
                    f"A planilha descompactada teria {total // 2**20} MB; o máximo é "
                    f"{maximo // 2**20} MB. Divida-a em arquivos menores ou envie um CSV."
                )
            for membro in membros:
                if re.fullmatch(r"xl/worksheets/[^/]+\.xml", membro.filename):
                    with pacote.open(membro) as xml:
                        declarada = _DIMENSAO.search(xml.read(4096))
                    if declarada:
                        _conferir_linhas(max(int(declarada.group(1)) - 1, 0))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as erro:
        raise ArquivoInvalido(_NAO_ABRE) from erro
    finally:
        arquivo.seek(0)


def _ler_xlsx(arquivo, exigidas):
    # import tardio: o openpyxl (~100 ms) só carrega quando chega uma planilha
    from openpyxl import load_workbook

    _conferir_zip(arquivo)
    try:
        livro = load_workbook(arquivo, read_only=True, data_only=True)
        planilha = livro.worksheets[0]
        linhas = planilha.iter_rows(values_only=True)
        primeira = next(linhas, None)
    except Exception as erro:  # zip corrompido, XML inválido: tudo é "não abre"
        raise ArquivoInvalido(_NAO_ABRE) from erro
    if primeira is None or not any(v not in (None, "") for v in primeira):
        raise ArquivoInvalido("O arquivo está vazio.")
    colunas, faltando = _cabecalho((str(v or "") for v in primeira), exigidas)
    if faltando:
        raise ArquivoInvalido(_mensagem_faltando(faltando))
    total = max((planilha.max_row or 1) - 1, 0)
    _conferir_linhas(total)

    def iterar():
        for numero, valores in enumerate(linhas, start=2):
            if numero - 1 > settings.IMPORTACAO_LINHAS_MAXIMO:
                # Sem ``<dimension>`` (ou com uma que mente) a contagem vem da leitura.
                livro.close()
                _conferir_linhas(numero - 1)
            dados = _como_dict(colunas, [_celula(v) for v in valores])
            if dados is not None:
                for coluna, tamanho in (("cpf", 11), ("cnpj", 14)):
                    # Número no Excel perde os zeros à esquerda: 01234567890 → 1234567890.
                    valor = dados.get(coluna, "")
                    if valor.isdigit() and len(valor) < tamanho:
                        dados[coluna] = valor.zfill(tamanho)
            yield numero, dados
        livro.close()

    return total, iterar()


def _celula(valor):
    if valor is None:
        return ""
    if isinstance(valor, datetime):
        return valor.date().isoformat()
    if isinstance(valor, date):
        return valor.isoformat()
    if isinstance(valor, float) and valor.is_integer():
        return str(int(valor))
    return str(valor)


MODELOS = {"completo": COLUNAS, "pessoas": COLUNAS_PESSOA, "organizacoes": COLUNAS_ORGANIZACAO}


def modelo_csv(modelo="completo"):
    """Um arquivo-modelo (cabeçalho e uma linha de exemplo), em UTF-8 com BOM para o Excel.

    ``completo``: um arquivo só; ``pessoas`` e ``organizacoes``: o par de arquivos.
    """
    colunas = MODELOS[modelo]
    saida = io.StringIO()
    escritor = csv.writer(saida, delimiter=";", lineterminator="\r\n")
    escritor.writerow(colunas)
    escritor.writerow([EXEMPLO[c] for c in colunas])
    return "\ufeff" + saida.getvalue()
