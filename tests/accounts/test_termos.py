"""Termo de uso: nada funciona antes do aceite; nova versão pede de novo; aceite registrado."""

import pytest

from accounts import services
from accounts.models import AceiteTermo
from tests.factories import UsuarioFactory

pytestmark = pytest.mark.django_db


def test_primeira_versao_existe_com_texto_lgpd(client):
    termo = services.termo_vigente()
    assert termo.versao == 1
    for trecho in [
        "controlador",
        "Finalidades e bases legais",
        "Seus direitos",
        "Por quanto tempo guardamos",
    ]:
        assert trecho in termo.texto
    assert "Quem é o controlador" in client.get("/termos/").content.decode()


def test_sem_aceite_tudo_redireciona_para_o_termo(client):
    usuario = UsuarioFactory()
    client.force_login(usuario)
    for url in ["/painel/", "/minha-conta/", "/admin/"]:
        resposta = client.get(url)
        assert resposta.status_code == 302 and resposta["Location"].startswith("/termos/")


def test_aceite_registra_versao_ip_e_data_e_volta_ao_destino(client):
    usuario = UsuarioFactory()
    client.force_login(usuario)
    resposta = client.post(
        "/termos/",
        {"aceito": "on", "next": "/minha-conta/"},
        REMOTE_ADDR="200.1.2.3",
        HTTP_USER_AGENT="Navegador Teste",
    )
    assert resposta["Location"] == "/minha-conta/"
    aceite = AceiteTermo.objects.get(usuario=usuario)
    assert aceite.termo.versao == 1 and aceite.ip == "200.1.2.3"
    assert aceite.user_agent == "Navegador Teste" and aceite.aceito_em
    assert client.get("/painel/").status_code == 200


def test_sem_marcar_a_caixa_nao_aceita(client):
    usuario = UsuarioFactory()
    client.force_login(usuario)
    html = client.post("/termos/", {}).content.decode()
    assert "marque que leu e aceita" in html
    assert not AceiteTermo.objects.exists()


def test_nova_versao_pede_aceite_de_novo(client):
    usuario = UsuarioFactory(aceitou_termo=True)
    client.force_login(usuario)
    assert client.get("/painel/").status_code == 200
    services.publicar_termo(titulo="Termo v2", texto="## Novo\n\nTexto novo.")
    resposta = client.get("/painel/")
    assert resposta.status_code == 302 and resposta["Location"].startswith("/termos/")
    client.post("/termos/", {"aceito": "on"})
    assert client.get("/painel/").status_code == 200
    assert list(
        usuario.aceites.values_list("termo__versao", flat=True).order_by("termo__versao")
    ) == [1, 2]


def test_anonimo_le_o_termo_mas_nao_aceita(client):
    assert client.get("/termos/").status_code == 200
    assert client.post("/termos/", {"aceito": "on"})["Location"] == "/entrar/"
