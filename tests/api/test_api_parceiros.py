"""``GET /api/v1/parceiros/``: filtros da consulta pública, cursor e ``alterado_desde``.

E ``Parceiro.publico_alterado_em``, que sobe junto com ``versao_publica`` em todo caminho que
muda o registro público (recálculo de um, recálculo noturno por conjunto, marcação sem mudança
de situação).
"""

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine

from parceiros import situacao
from parceiros.models import NaturezaJuridica, Parceiro, TipoParceiro
from tests.api import contrato

api = contrato.api  # a fixture do cliente que confere o esquema

pytestmark = pytest.mark.django_db

BRASILIA = ZoneInfo("America/Sao_Paulo")
INICIO = datetime(2026, 8, 10, 10, 0, tzinfo=BRASILIA)
URL = "/api/v1/parceiros/"


def novo(numero, razao, municipio="Belo Horizonte", momento=INICIO, tipo=None):
    """Um Parceiro gravado como a importação grava (sem serviço), alterado em ``momento``."""
    tipo = tipo or TipoParceiro.objects.order_by("pk").first()
    with time_machine.travel(momento, tick=False):
        parceiro = Parceiro.objects.create(
            cnpj=f"{numero:014d}",
            razao_social=razao,
            municipio=municipio,
            uf="MG",
            tipo=tipo,
            natureza_juridica=NaturezaJuridica.objects.order_by("pk").first(),
            situacao_cadastral="ATIVA",
        )
        Parceiro.objects.filter(pk=parceiro.pk).update(publico_alterado_em=momento)
    return parceiro


def pagina(api, **parametros):
    resposta = api.get(URL, parametros)
    assert resposta.status_code == 200, resposta.content[:500]
    return json.loads(resposta.content)


def cnpjs(dados):
    return [item["cnpj"] for item in dados["resultados"]]


@pytest.fixture
def dez(db):
    return [
        novo(i, f"Associação Número {i}", momento=INICIO + timedelta(minutes=i))
        for i in range(1, 11)
    ]


def test_percorre_tudo_por_cursor_na_ordem_de_alteracao(api, dez):
    vistos, dados = [], pagina(api, limite=3)
    while True:
        vistos += cnpjs(dados)
        if not dados["proximo"]:
            break
        dados = json.loads(api.get(dados["proximo"]).content)
    assert vistos == [p.cnpj for p in dez]


def test_cursor_estavel_com_inclusoes_e_alteracoes(api, dez):
    primeira = pagina(api, limite=4)
    novo(99, "Associação Incluída Depois", momento=INICIO - timedelta(days=1))
    situacao.marcar_alteracao(Parceiro.objects.filter(pk=dez[0].pk))  # vai para o fim

    resto = pagina(api, limite=100, cursor=primeira["cursor"])

    assert cnpjs(resto) == [p.cnpj for p in dez[4:]] + [dez[0].cnpj]
    assert resto["proximo"] is None and resto["cursor"]


def test_alterado_desde_e_filtros_da_consulta(api, dez):
    desde = (INICIO + timedelta(minutes=8)).isoformat()
    assert cnpjs(pagina(api, alterado_desde=desde)) == [p.cnpj for p in dez[7:]]
    assert cnpjs(pagina(api, alterado_desde="2026-08-11")) == []
    novo(50, "Instituto Água Viva", municipio="São João del-Rei")
    assert cnpjs(pagina(api, nome="agua viva")) == [f"{50:014d}"]
    assert cnpjs(pagina(api, municipio="sao joao del-rei")) == [f"{50:014d}"]
    assert len(cnpjs(pagina(api, situacao="irregular"))) == 11
    assert cnpjs(pagina(api, situacao="regular")) == []


def test_item_da_lista(api, dez):
    item = pagina(api, limite=1)["resultados"][0]
    assert (item["cnpj"], item["cnpj_formatado"]) == (dez[0].cnpj, "00.000.000/0000-01")
    assert item["url_regularidade"] == (
        f"http://testserver/api/v1/parceiros/{dez[0].cnpj}/regularidade"
    )
    assert item["possui_impedimento"] is False
    assert item["publico_alterado_em"] == (INICIO + timedelta(minutes=1)).isoformat()


def test_alterado_desde_com_deslocamento_incomum_e_nul_no_nome(api, dez):
    # Achados do schemathesis no PostgreSQL: o deslocamento -20:27 e o caractere NUL.
    desde = (INICIO + timedelta(minutes=8)).astimezone(timezone(timedelta(hours=-20, minutes=-27)))
    assert cnpjs(pagina(api, alterado_desde=desde.isoformat())) == [p.cnpj for p in dez[7:]]
    assert len(cnpjs(pagina(api, nome="Associa\x00ção"))) == 10
    assert api.get(URL, {"alterado_desde": "9999-12-31T23:00:00-20:00"}).status_code == 400


@pytest.mark.parametrize(
    ("parametro", "valor"),
    [
        ("cursor", "nao-e-cursor"),
        ("limite", "0"),
        ("limite", "501"),
        ("tipo", "abc"),
        ("situacao", "talvez"),
        ("alterado_desde", "ontem"),
    ],
)
def test_parametro_invalido_da_400_com_o_campo(api, parametro, valor):
    resposta = api.get(URL, {parametro: valor})

    assert resposta.status_code == 400
    dados = json.loads(resposta.content)
    assert dados["erro"] == "Pedido inválido: confira os parâmetros."
    assert parametro in dados["detalhe"]


# --- publico_alterado_em --------------------------------------------------------------------
def test_recalcular_e_marcar_alteracao_sobem_junto_com_a_versao(dez):
    parceiro = dez[0]
    depois = INICIO + timedelta(days=2)
    with time_machine.travel(depois, tick=False):
        situacao.recalcular(parceiro)
    atual = Parceiro.objects.get(pk=parceiro.pk)
    assert (atual.versao_publica, atual.publico_alterado_em) == (1, depois)

    mais = depois + timedelta(hours=1)
    with time_machine.travel(mais, tick=False):
        situacao.marcar_alteracao(Parceiro.objects.filter(pk=parceiro.pk))
    atual = Parceiro.objects.get(pk=parceiro.pk)
    assert (atual.versao_publica, atual.publico_alterado_em) == (2, mais)


def test_recalculo_noturno_sobe_so_os_que_mudaram(dez):
    Parceiro.objects.filter(pk=dez[0].pk).update(situacao=Parceiro.Situacao.REGULAR)
    noite = INICIO + timedelta(days=1)
    with time_machine.travel(noite, tick=False):
        assert situacao.recalcular_todos() == 1
    assert Parceiro.objects.get(pk=dez[0].pk).publico_alterado_em == noite
    assert Parceiro.objects.get(pk=dez[1].pk).publico_alterado_em == INICIO + timedelta(minutes=2)


def test_salvar_instancia_velha_nao_volta_a_data(dez):
    velha = Parceiro.objects.get(pk=dez[0].pk)
    with time_machine.travel(INICIO + timedelta(days=3), tick=False):
        situacao.marcar_alteracao(Parceiro.objects.filter(pk=velha.pk))
    velha.site = "https://exemplo.org"
    velha.save()
    assert Parceiro.objects.get(pk=velha.pk).publico_alterado_em == INICIO + timedelta(days=3)
