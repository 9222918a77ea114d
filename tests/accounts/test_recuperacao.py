"""Recuperação de senha / desbloqueio: resposta neutra, link de 1 h, uso único, desbloqueia."""

from datetime import timedelta

import pytest
import time_machine
from django.test import TestCase
from django.utils import timezone

from accounts.models import Usuario
from cagec.core.models import EmailSaida
from tests.conftest import caminho, link_do_email, ultimo_email
from tests.factories import SENHA, UsuarioFactory

pytestmark = pytest.mark.django_db
NOVA = "Nova#Senha2027"


def pedir(client, cpf, email):
    with TestCase.captureOnCommitCallbacks(execute=True):  # a fila confere o pedido
        return client.post("/recuperar-senha/", {"cpf": cpf, "email": email}, follow=True)


def link_recuperacao():
    return caminho(link_do_email(ultimo_email("recuperacao_senha"), "/recuperar-senha/"))


def test_resposta_identica_para_dados_certos_errados_e_desconhecidos(client):
    usuario = UsuarioFactory(email="certo@exemplo.com.br")
    certo = pedir(client, usuario.cpf, "CERTO@exemplo.com.br")
    errado = pedir(client, usuario.cpf, "outro@exemplo.com.br")
    desconhecido = pedir(client, "52998224725", "x@exemplo.com.br")
    assert certo.content == errado.content == desconhecido.content
    assert certo.redirect_chain == errado.redirect_chain == desconhecido.redirect_chain
    assert EmailSaida.objects.filter(evento="recuperacao_senha").count() == 1
    assert ultimo_email("recuperacao_senha").destinatario == "certo@exemplo.com.br"


def test_redefinir_troca_a_senha_e_gasta_o_link(client):
    usuario = UsuarioFactory()
    pedir(client, usuario.cpf, usuario.email)
    link = link_recuperacao()
    resposta = client.post(link, {"nova_senha": NOVA, "confirmacao_senha": NOVA})
    assert resposta.status_code == 302 and resposta["Location"] == "/entrar/"
    usuario.refresh_from_db()
    assert usuario.check_password(NOVA)
    assert client.get(link).status_code == 404


def test_nova_senha_igual_a_atual_e_recusada(client):
    usuario = UsuarioFactory()
    pedir(client, usuario.cpf, usuario.email)
    html = client.post(link_recuperacao(), {"nova_senha": SENHA, "confirmacao_senha": SENHA})
    assert "diferente da senha atual" in html.content.decode()


def test_link_vale_uma_hora(client):
    usuario = UsuarioFactory()
    pedir(client, usuario.cpf, usuario.email)
    link = link_recuperacao()
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert client.get(link).status_code == 404


def test_redefinir_desbloqueia_cpf_bloqueado_por_tentativas(client):
    usuario = UsuarioFactory()
    for _ in range(5):
        client.post("/entrar/", {"cpf": usuario.cpf, "senha": "Errada#123"})
    assert client.post("/entrar/", {"cpf": usuario.cpf, "senha": SENHA}).status_code == 429
    pedir(client, usuario.cpf, usuario.email)
    client.post(link_recuperacao(), {"nova_senha": NOVA, "confirmacao_senha": NOVA})
    resposta = client.post("/entrar/", {"cpf": usuario.cpf, "senha": NOVA})
    assert resposta.status_code == 302 and resposta["Location"] == "/painel/"


def test_conta_importada_nunca_ativada_e_ativada_pela_recuperacao(client):
    importado = UsuarioFactory(pendente=True, origem=Usuario.Origem.IMPORTACAO)
    pedir(client, importado.cpf, importado.email)
    client.post(link_recuperacao(), {"nova_senha": NOVA, "confirmacao_senha": NOVA})
    importado.refresh_from_db()
    assert importado.situacao == Usuario.Situacao.ATIVO


def test_bloqueio_administrativo_nao_e_desfeito_pela_recuperacao(client):
    from accounts import services

    usuario = UsuarioFactory()
    services.bloquear(usuario, motivo="decisão da administração")
    pedir(client, usuario.cpf, usuario.email)
    assert not EmailSaida.objects.filter(evento="recuperacao_senha").exists()


def test_email_de_recuperacao_tem_texto_e_html(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    usuario = UsuarioFactory()
    with django_capture_on_commit_callbacks(execute=True):
        pedir(client, usuario.cpf, usuario.email)
    msg = mailoutbox[-1]
    assert msg.subject == "Portal CAGEC: crie uma nova senha"
    assert "vale por 1 hora" in msg.body and "/recuperar-senha/" in msg.body
    assert "Criar nova senha" in msg.alternatives[0][0]
