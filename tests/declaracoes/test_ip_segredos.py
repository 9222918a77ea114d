"""O PDF público da declaração e a página de verificação não mostram IP (issue #11, item 16).

O IP da assinatura continua guardado na declaração (evidência interna, para a análise).
"""

import io

import pytest
from pypdf import PdfReader

from declaracoes import services
from tests.declaracoes.test_assinatura import aguardando_assinatura

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]

IP = "200.10.20.30"


@pytest.fixture
def declaracao(rl, parceiro):
    return services.assinar(aguardando_assinatura(rl, parceiro), ator=rl, ip=IP, user_agent="Teste")


def test_pdf_da_declaracao_nao_mostra_o_ip_de_quem_assinou(declaracao, media_temporaria):
    leitor = PdfReader(io.BytesIO((media_temporaria / declaracao.pdf.name).read_bytes()))
    texto = " ".join(pagina.extract_text() for pagina in leitor.pages)

    assert declaracao.codigo_formatado in texto  # o texto foi extraído
    assert IP not in texto and "IP" not in texto.split()
    assert IP not in str(services.contexto_pdf(declaracao))
    declaracao.refresh_from_db()
    assert declaracao.ip == IP  # guardado como evidência interna


def test_verificacao_publica_e_pdf_original_nao_mostram_o_ip(client, declaracao):
    pagina = client.get(f"/verificar/{declaracao.codigo}/")
    original = client.get(f"/verificar/{declaracao.codigo}/original.pdf")

    assert pagina.status_code == 200 and declaracao.codigo_formatado in pagina.content.decode()
    assert IP not in pagina.content.decode()
    conteudo = b"".join(original.streaming_content)
    texto = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(conteudo)).pages)
    assert declaracao.codigo_formatado in texto and IP not in texto
