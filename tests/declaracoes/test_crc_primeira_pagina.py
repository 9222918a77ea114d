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
