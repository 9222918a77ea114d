"""Primeiro acesso / validação de cadastro: token de uso único, 72 h, CPF confere."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Usuario
from tests.conftest import caminho, link_do_email, ultimo_email
from tests.factories import SENHA, UsuarioFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def convidado(client):
    """Pessoa inscrita pelo formulário, com o link do e-mail em mãos."""
    client.post(
        "/inscricao/",
        {
            "cpf": "52998224725",
            "nome": "Rita de Cássia Souza",
            "email": "rita@exemplo.com.br",
            "email_confirmacao": "rita@exemplo.com.br",
            "telefone": "3133334444",
        },
    )
    link = caminho(link_do_email(ultimo_email("primeiro_acesso"), "/primeiro-acesso/"))
    return Usuario.objects.get(cpf="52998224725"), link


def senha_form(cpf="529.982.247-25", senha=SENHA, confirmacao=None):
    return {"cpf": cpf, "nova_senha": senha, "confirmacao_senha": confirmacao or senha}


def test_pagina_mostra_regras_da_senha_antes_de_digitar(client, convidado):
    _, link = convidado
    html = client.get(link).content.decode()
    assert "Pelo menos 8 caracteres" in html
    assert "Nova senha" in html and "Confirmação da nova senha" in html


def test_ativa_a_conta_com_senha_valida(client, convidado):
    usuario, link = convidado
    resposta = client.post(link, senha_form())
    assert resposta.status_code == 302 and resposta["Location"] == "/entrar/"
    usuario.refresh_from_db()
    assert usuario.situacao == Usuario.Situacao.ATIVO
    assert usuario.check_password(SENHA)


def test_link_so_funciona_uma_vez(client, convidado):
    _, link = convidado
    client.post(link, senha_form())
    segunda = client.get(link)
    assert segunda.status_code == 404
    assert "Link inválido ou expirado" in segunda.content.decode()
    assert client.post(link, senha_form(senha="Outra#Senha99")).status_code == 404


def test_link_expira_em_72_horas(client, convidado):
    _, link = convidado
    with time_machine.travel(timezone.now() + timedelta(hours=71, minutes=59)):
        assert client.get(link).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=72, minutes=1)):
        assert client.get(link).status_code == 404


def test_link_adulterado_e_recusado(client, convidado):
    _, link = convidado
    assert client.get(link[:-3] + "abc/").status_code == 404
    assert client.get("/primeiro-acesso/x/").status_code == 404


def test_cpf_de_outra_pessoa_nao_ativa_e_nao_gasta_o_link(client, convidado):
    usuario, link = convidado
    resposta = client.post(link, senha_form(cpf="111.444.777-35"))
    assert resposta.status_code == 200
    assert "não corresponde" in resposta.content.decode()
    usuario.refresh_from_db()
    assert usuario.situacao == Usuario.Situacao.PENDENTE
    assert client.post(link, senha_form()).status_code == 302


@pytest.mark.parametrize(
    "senha,mensagem",
    [
        ("Cur#1Ab", "pelo menos 8 caracteres"),
        ("semsimbolo123A", "símbolo"),
        ("SEMMINUSCULA#1", "minúscula"),
        ("sem#maiuscula1", "maiúscula"),
        ("Sem#Numero", "número"),
        ("Exemplo#2026", "muito parecida com e-mail"),
        ("P@ssw0rd", "muito comum"),
        ("52998224725#Ab", "parecida com CPF"),
    ],
)
def test_senha_fora_das_regras_e_recusada_com_explicacao(client, convidado, senha, mensagem):
    usuario, link = convidado
    resposta = client.post(link, senha_form(senha=senha))
    html = resposta.content.decode()
    assert resposta.status_code == 200 and 'id="resumo-erros"' in html
    assert mensagem in html
    usuario.refresh_from_db()
    assert usuario.situacao == Usuario.Situacao.PENDENTE


def test_confirmacao_diferente(client, convidado):
    _, link = convidado
    html = client.post(link, senha_form(confirmacao="Outra#Senha2026")).content.decode()
    assert "não são iguais" in html


def test_confirmar_email_quando_configurado(client, convidado, settings):
    settings.PRIMEIRO_ACESSO_CONFIRMAR_EMAIL = True
    usuario, link = convidado
    html = client.post(link, {**senha_form(), "email": "errado@exemplo.com.br"}).content.decode()
    assert "não é o e-mail cadastrado" in html
    resposta = client.post(link, {**senha_form(), "email": "RITA@exemplo.com.br"})
    assert resposta.status_code == 302


def test_novo_link_invalida_o_anterior(client, convidado):
    from accounts import services

    usuario, link_antigo = convidado
    services.reenviar_primeiro_acesso(usuario)
    novo = caminho(link_do_email(ultimo_email("primeiro_acesso"), "/primeiro-acesso/"))
    assert novo != link_antigo
    assert client.get(link_antigo).status_code == 404
    assert client.get(novo).status_code == 200


def test_conta_ja_ativa_nao_recebe_novo_link():
    from accounts import services

    assert services.reenviar_primeiro_acesso(UsuarioFactory()) is False
