"""``GET /api/v1/verificacoes/{codigo}``: a página ``/verificar/<codigo>/`` em JSON.

Os documentos são os de ``tests/declaracoes/test_verificacao.py`` (CRC emitido de verdade,
declaração assinada pelo RL); o relógio parado em 10/08/2026, 10h de Brasília.
"""

import json

import pytest

from declaracoes import crc
from declaracoes import services as declaracoes
from tests.api import contrato
from tests.api.contrato import cpf_em
from tests.declaracoes import test_verificacao as base

relogio, pdf_instantaneo = base.relogio, base.pdf_instantaneo
catalogo, associacao, certificado, declaracao = (
    base.catalogo,
    base.associacao,
    base.certificado,
    base.declaracao,
)

api = contrato.api  # a fixture do cliente que confere o esquema

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("media_temporaria", "pdf_instantaneo"),
]


def url(codigo):
    return f"/api/v1/verificacoes/{codigo}"


def test_crc_autentico_com_emissao_situacoes_e_hashes(api, certificado, rl):
    resposta = api.get(url(certificado.codigo))

    assert resposta.status_code == 200
    dados = json.loads(resposta.content)
    assert dados["tipo"] == "crc" and dados["autentico"] is True and dados["revogado"] is False
    assert dados["revogado_em"] is None and dados["motivo_revogacao"] == ""
    assert dados["cnpj"] == certificado.snapshot["cnpj"]
    assert dados["razao_social"] == certificado.snapshot["razao_social"]
    assert dados["emitido_em"].startswith("2026-08-10T10:00:00")
    assert dados["sha256_pdf"] == certificado.sha256_pdf
    assert dados["crc"]["situacao_na_emissao"] == dados["crc"]["situacao_hoje"] == "regular"
    assert dados["crc"]["sha256_retrato"] == certificado.chave
    assert dados["url_pdf"] == f"http://testserver/verificar/{certificado.codigo}/original.pdf"
    assert dados["declaracao"] is None
    assert resposta["Cache-Control"] == "public, max-age=60"
    assert not cpf_em(resposta.content.decode(), rl)


def test_codigo_com_hifens_e_minusculas(api, certificado):
    digitado = crc.formatar_codigo(certificado.codigo).lower()
    assert json.loads(api.get(url(digitado)).content)["codigo"] == certificado.codigo


def test_crc_revogado_com_data_e_motivo_e_etag_novo(api, certificado, analista):
    etag = api.get(url(certificado.codigo))["ETag"]
    assert api.get(url(certificado.codigo), HTTP_IF_NONE_MATCH=etag).status_code == 304

    crc.revogar(certificado, ator=analista, motivo="Emitido com dado errado")
    resposta = api.get(url(certificado.codigo), HTTP_IF_NONE_MATCH=etag)

    assert resposta.status_code == 200
    dados = json.loads(resposta.content)
    assert dados["autentico"] is False and dados["revogado"] is True
    assert dados["revogado_em"].startswith("2026-08-10T10:00:00")
    assert dados["motivo_revogacao"] == "Emitido com dado errado"


def test_declaracao_sem_cpf_do_signatario(api, declaracao, rl, analista):
    declaracoes.revogar(declaracao, ator=analista, motivo="Assinada por engano")
    resposta = api.get(url(declaracao.codigo))

    dados = json.loads(resposta.content)
    assert dados["tipo"] == "declaracao" and dados["crc"] is None
    assert dados["declaracao"]["signatario"] == rl.nome
    assert dados["declaracao"]["sha256_texto"] == declaracao.sha256_texto
    assert dados["revogado"] is True and dados["motivo_revogacao"] == "Assinada por engano"
    assert not cpf_em(resposta.content.decode(), rl)


@pytest.mark.parametrize("codigo", [base.DESCONHECIDO, "curto", "%20", "Ç" * 20])
def test_desconhecido_ou_mal_formado_da_404_em_json(api, certificado, codigo):
    resposta = api.get(url(codigo))

    assert resposta.status_code == 404
    assert json.loads(resposta.content) == {
        "erro": "Código de verificação não encontrado.",
        "detalhe": None,
    }
