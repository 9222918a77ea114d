"""CRC: o código de verificação e o QR já no alto da primeira página (issue #13, item 16), e
ainda no quadro de autenticidade da última; "Página X de Y" continua."""

import io

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from tests.declaracoes.test_crc_pdf import CODIGO, item, renderizar

pytestmark = pytest.mark.django_db  # as fixtures automáticas da suíte usam o banco

FORMATADO = "0123-4567-89AB-CDEF"
ENDERECO = f"/verificar/{CODIGO}/"


def crc_de_tres_paginas():
    nomes = [f"Extrato do CAUC — item {n} (relatório ao Siconfi)" for n in range(70)]
    return renderizar(grupos=[{"nome": "Responsabilidade Fiscal", "itens": list(map(item, nomes))}])


def texto_da_pagina(dados, numero):
    return " ".join(PdfReader(io.BytesIO(dados)).pages[numero].extract_text().split())


def qrs(dados, numero, *, topo=None):
    """Os QRs lidos da imagem da página (``topo``: só a fração de cima da página)."""
    documento = pypdfium2.PdfDocument(dados)
    try:
        imagem = documento[numero].render(scale=3).to_pil()
    finally:
        documento.close()
    if topo:
        imagem = imagem.crop((0, 0, imagem.width, int(imagem.height * topo)))
    return [lido.text for lido in zxingcpp.read_barcodes(imagem)]


def test_primeira_pagina_traz_o_codigo_formatado_junto_do_titulo():
    dados = crc_de_tres_paginas()

    primeira = texto_da_pagina(dados, 0)
    assert primeira.startswith(
        "GOVERNO DO ESTADO DE MINAS GERAIS Cadastro Geral de Convenentes — CAGEC "
        f"Certificado de Registro Cadastral — CRC Código de verificação {FORMATADO}"
    )
    assert primeira.endswith("Página 1 de 3")
    assert "Emitido em" not in primeira  # o quadro de autenticidade segue no fim


def test_primeira_pagina_tem_o_qr_no_alto_que_leva_a_verificacao():
    dados = crc_de_tres_paginas()

    [endereco] = qrs(dados, 0, topo=0.2)
    assert endereco.endswith(ENDERECO)
    # a primeira página desenha o QR (um caminho de módulos escuros)
    conteudo = PdfReader(io.BytesIO(dados)).pages[0].get_contents().get_data()
    assert conteudo.count(b" re") > 100


def test_ultima_pagina_mantem_o_quadro_com_codigo_e_qr():
    dados = crc_de_tres_paginas()

    ultima = texto_da_pagina(dados, 2)
    assert f"Código de verificação: {FORMATADO}" in ultima
    assert ultima.endswith("Página 3 de 3")
    assert [e for e in qrs(dados, 2) if e.endswith(ENDERECO)]
    assert qrs(dados, 1) == []  # as do meio, só a lista


def test_crc_de_uma_pagina_tem_o_codigo_no_alto_e_no_quadro():
    dados = renderizar()

    [pagina] = PdfReader(io.BytesIO(dados)).pages
    texto = " ".join(pagina.extract_text().split())
    assert texto.count(FORMATADO) == 2
    assert texto.index(f"Código de verificação {FORMATADO}") < texto.index("Número de cadastro")
    enderecos = qrs(dados, 0)
    assert len(enderecos) == 2 and all(e.endswith(ENDERECO) for e in enderecos)


def _matriz(operadores, n):
    """A matriz (linha 0 em cima) dos retângulos ``x y largura 1 re`` do caminho do QR."""
    matriz = [[0] * n for _ in range(n)]
    for linha in operadores.splitlines()[:-1]:
        x, y, largura, _, _ = linha.split()
        for coluna in range(int(x), int(x) + int(largura)):
            matriz[n - 1 - int(y)][coluna] = 1
    return matriz


def _localizador(matriz, linha, coluna):
    """O padrão 7×7 de localização (anel escuro, anel claro, miolo 3×3 escuro)."""
    for i in range(7):
        for j in range(7):
            borda = i in (0, 6) or j in (0, 6)
            miolo = 2 <= i <= 4 and 2 <= j <= 4
            if matriz[linha + i][coluna + j] != (1 if borda or miolo else 0):
                return False
    return True


@pytest.mark.parametrize(
    "url",
    [
        "http://testserver/verificar/0123456789ABCDEF/",
        "https://cagec.mg.gov.br/verificar/ZZZZZZZZZZZZZZZZ/",
        "https://portal-do-cadastro-geral-de-convenentes.fazenda.mg.gov.br/verificar/7K3M9P2Q8R4S6T1V/",
    ],
)
def test_qr_desenhado_na_posicao_certa_e_legivel(url):
    """Os localizadores ficam em cima à esquerda, em cima à direita e embaixo à esquerda
    (nem espelhado nem de cabeça para baixo), e o código lido da página é o endereço."""
    from declaracoes import crc_pdf

    n, operadores = crc_pdf._caminho_qr(url)
    matriz = _matriz(operadores, n)
    assert _localizador(matriz, 0, 0)
    assert _localizador(matriz, 0, n - 7)
    assert _localizador(matriz, n - 7, 0)
    assert not _localizador(matriz, n - 7, n - 7)
    codigo = url.rstrip("/").rsplit("/", 1)[1]
    dados = renderizar(codigo=codigo)
    assert [e for e in qrs(dados, 0, topo=0.2) if e.endswith(f"/verificar/{codigo}/")]
