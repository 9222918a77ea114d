"""``GET /api/v1/parceiros/{cnpj}/regularidade`` (issue #16).

O conteúdo é o do CRC do dia (uma fonte só: ``crc.parceiro_do_retrato`` +
``situacao.calcular_resumido`` + ``crc.retrato_do_parceiro``); o teste central emite o CRC de
verdade e confere a resposta contra o ``Certificado.snapshot`` campo a campo. Os Parceiros e
os documentos são os de ``tests/declaracoes/test_crc.py`` (serviços reais, relógio parado).
"""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from declaracoes import crc
from parceiros import services as parceiros
from parceiros.models import Parceiro
from tests.api import contrato
from tests.api.contrato import cpf_em
from tests.declaracoes import test_crc as base

AGORA, HOJE = base.AGORA, base.HOJE
relogio = base.relogio
_pdf_da_declaracao_simples = base._pdf_da_declaracao_simples
catalogo, associacao, regular = base.catalogo, base.associacao, base.regular
pdf_instantaneo = base.pdf_instantaneo

api = contrato.api  # a fixture do cliente que confere o esquema

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]

CNPJ = base.CNPJ_ALFANUMERICO
FORMATADO = base.CNPJ_ALFANUMERICO_FORMATADO


def url(cnpj):
    return f"/api/v1/parceiros/{cnpj}/regularidade"


def corpo(resposta):
    assert resposta.status_code == 200, resposta.content[:500]
    return json.loads(resposta.content)


def itens_do_snapshot(snapshot):
    return [
        {"grupo": grupo["nome"], **item} for grupo in snapshot["grupos"] for item in grupo["itens"]
    ]


def test_resposta_e_o_crc_do_dia_campo_a_campo(api, regular, rl, pdf_instantaneo):
    certificado = crc.crc_do_dia(regular)
    dados = corpo(api.get(url(CNPJ)))
    foto = certificado.snapshot

    for campo in (
        *("dia", "cnpj", "cnpj_formatado", "numero_cadastro", "razao_social", "nome_fantasia"),
        *("natureza_juridica", "tipo", "genero", "endereco", "situacao", "situacao_display"),
        *("situacao_mrosc", "possui_impedimento", "motivo_impedimento"),
    ):
        assert dados[campo] == foto[campo], campo
    assert dados["cadin"]["rotulo"] == foto["cadin"]
    assert dados["siafi"]["rotulo"] == foto["siafi"]
    rl_api, rl_crc = dados["representante_legal"], foto["representante"]
    assert (rl_api["nome"], rl_api["cargo"]) == (rl_crc["nome"], rl_crc["cargo"])
    assert rl_api["fim_do_mandato"] == "2028-12-31" and rl_crc["mandato_fim"] == "31/12/2028"
    sem_datas = [
        {k: v for k, v in o.items() if k not in ("vence_em", "aprovado_em")}
        for o in dados["obrigacoes"]
    ]
    assert sem_datas == itens_do_snapshot(foto)
    assert dados["crc_do_dia"]["codigo"] == certificado.codigo
    assert dados["crc_do_dia"]["url_verificacao"].endswith(f"/verificar/{certificado.codigo}/")
    assert not cpf_em(json.dumps(dados), rl)


def test_datas_de_cada_obrigacao_e_desde_quando(api, regular, catalogo):
    dados = corpo(api.get(url(CNPJ)))

    por_nome = {o["obrigacao"]: o for o in dados["obrigacoes"]}
    certidao = por_nome[catalogo.certidao.nome]
    assert (certidao["status"], certidao["vence_em"]) == ("vigente", "2026-09-09")
    assert certidao["validade"] == "Válido até 09/09/2026"
    assert certidao["aprovado_em"].startswith("2026-08-10T10:00:00")
    assert por_nome[catalogo.estatuto.nome]["vence_em"] is None
    assert dados["situacao"] == "regular"
    assert dados["situacao_desde"].startswith("2026-08-10T10:00:00")
    assert dados["consultado_em"].startswith("2026-08-10T10:00:00")
    assert dados["crc_do_dia"] is None  # nenhum CRC emitido hoje


@pytest.mark.parametrize("forma", ["bruto", "formatado", "minusculo"])
def test_cnpj_em_qualquer_forma(api, regular, forma):
    cnpj = {"bruto": CNPJ, "formatado": FORMATADO, "minusculo": FORMATADO.lower()}[forma]
    assert corpo(api.get(url(cnpj)))["cnpj"] == CNPJ


def test_impedimento_com_cada_causa(api, regular, analista):
    parceiros.alterar_pela_administracao(
        regular,
        ator=analista,
        siafi_bloqueado=True,
        motivo_impedimento="Convênio 123 sem prestação",
    )
    dados = corpo(api.get(url(CNPJ)))

    assert dados["possui_impedimento"] is True
    assert dados["siafi"] == {"bloqueado": True, "rotulo": "Bloqueado"}
    assert dados["cadin"] == {"bloqueado": False, "rotulo": "Não"}
    assert dados["motivo_impedimento"] == "Convênio 123 sem prestação"


def test_situacao_velha_sem_desde_e_vencido(api, regular, relogio):
    relogio.move_to(AGORA + timedelta(days=40))  # a certidão venceu em 09/09, sem recálculo
    dados = corpo(api.get(url(CNPJ)))

    assert dados["situacao"] == "irregular"
    assert dados["situacao_desde"] is None
    assert Parceiro.objects.get(pk=regular.pk).situacao == "regular"  # GET não grava nada


def test_desconhecido_e_invalido_dao_404_em_json(api, regular):
    for cnpj in ("00000000000000", "nada", "12.345"):
        resposta = api.get(url(cnpj))
        assert resposta.status_code == 404
        assert json.loads(resposta.content)["erro"] == "CNPJ não encontrado no CAGEC."


def test_etag_e_304_sem_montar_o_corpo(api, regular, pdf_instantaneo):
    primeira = api.get(url(CNPJ))
    assert primeira["Cache-Control"] == "public, max-age=60"
    etag = primeira["ETag"]
    assert etag.startswith('"') and etag.endswith('"')

    with CaptureQueriesContext(connection) as consultas:
        segunda = api.get(url(CNPJ), HTTP_IF_NONE_MATCH=etag)
    assert segunda.status_code == 304 and segunda.content == b""
    assert segunda["ETag"] == etag
    assert len(consultas) == 1  # só a leitura do ETag

    crc.crc_do_dia(regular)  # um CRC emitido hoje entra na resposta: outro ETag
    terceira = api.get(url(CNPJ), HTTP_IF_NONE_MATCH=etag)
    assert terceira.status_code == 200 and terceira["ETag"] != etag


def test_etag_muda_com_a_versao_publica_e_com_o_dia(api, regular, relogio, analista):
    etag = api.get(url(CNPJ))["ETag"]
    parceiros.alterar_pela_administracao(regular, ator=analista, cadin_bloqueado=True)
    depois = api.get(url(CNPJ), HTTP_IF_NONE_MATCH=etag)
    assert depois.status_code == 200 and depois["ETag"] != etag

    relogio.move_to(AGORA + timedelta(days=1))
    assert api.get(url(CNPJ), HTTP_IF_NONE_MATCH=depois["ETag"]).status_code == 200


def test_poucas_consultas(api, regular, pdf_instantaneo):
    crc.crc_do_dia(regular)
    with CaptureQueriesContext(connection) as consultas:
        corpo(api.get(url(CNPJ)))
    assert len(consultas) <= 4, [c["sql"][:120] for c in consultas]
