"""Sem cache para quem está logado; páginas públicas mantêm o delas (issue #11, item 19)."""

import pytest

from accounts import services
from cagec.core.models import TokenAcesso
from declaracoes import crc
from tests.factories import UsuarioFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]


def sem_cache(resposta):
    diretivas = {d.strip() for d in resposta["Cache-Control"].split(",")}
    return {"no-store", "private"} <= diretivas and not diretivas & {"public", "max-age=60"}


@pytest.fixture
def codigo_do_crc(parceiro):
    return crc.crc_do_dia(parceiro).codigo


@pytest.mark.parametrize(
    "url",
    [
        "/painel/",
        "/minha-conta/",
        "/minha-conta/meus-dados.json",
        "/assinaturas/",
        "/solicitacoes/nova/",
        "/consulta/",  # página pública, mas com o menu de quem entrou
        "/",
    ],
)
def test_paginas_e_exportacao_de_quem_entrou_saem_sem_cache(client, rl, parceiro, url):
    client.force_login(rl)
    resposta = client.get(url)
    assert resposta.status_code == 200
    assert sem_cache(resposta)


def test_crc_e_verificacao_abertos_por_quem_entrou_tambem_saem_sem_cache(
    client, rl, parceiro, codigo_do_crc
):
    client.force_login(rl)
    for url in (f"/consulta/{parceiro.cnpj}/crc/", f"/verificar/{codigo_do_crc}/"):
        resposta = client.get(url)
        assert resposta.status_code == 200
        assert sem_cache(resposta), url


def test_admin_sai_sem_cache(client):
    client.force_login(UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True))
    resposta = client.get("/admin/core/emailsaida/")
    assert resposta.status_code == 200 and sem_cache(resposta)


def test_paginas_publicas_para_anonimos_mantem_o_cache_delas(client, parceiro, codigo_do_crc):
    verificacao = client.get(f"/verificar/{codigo_do_crc}/")
    pdf = client.get(f"/consulta/{parceiro.cnpj}/crc/")
    consulta = client.get("/consulta/")

    assert verificacao["Cache-Control"] == "private, max-age=60"
    assert pdf["Cache-Control"] == "private, max-age=60"
    assert "no-store" not in consulta.get("Cache-Control", "")


def test_links_de_uso_unico_abertos_sem_login_saem_sem_cache(client):
    pessoa = UsuarioFactory(pendente=True)
    bruto = services._emitir_token(
        pessoa, TokenAcesso.Finalidade.PRIMEIRO_ACESSO, services.settings.PRIMEIRO_ACESSO_VALIDADE
    ).gerar_segredo()
    resposta = client.get(f"/primeiro-acesso/{bruto}/")
    assert resposta.status_code == 200 and pessoa.nome in resposta.content.decode()
    assert sem_cache(resposta)
