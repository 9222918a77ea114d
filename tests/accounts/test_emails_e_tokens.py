"""E-mails de conta lidos como o destinatário (texto e HTML) e links adulterados ou vencidos."""

from datetime import timedelta

import pytest
import time_machine
from django.test import TestCase
from django.utils import timezone

from accounts import services
from accounts.models import Usuario
from cagec.core.models import EmailSaida
from tests.conftest import caminho, link_do_email, ultimo_email
from tests.factories import UsuarioFactory

pytestmark = pytest.mark.django_db
NOVA = "Outra#Senha2027"


def _partes(email):
    """(texto, html) de um e-mail da caixa de saída; os dois precisam dizer o essencial."""
    assert email.corpo_texto.strip() and email.corpo_html.strip()
    assert email.corpo_html.lstrip().lower().startswith(("<!doctype", "<html"))
    return email.corpo_texto, email.corpo_html


def test_tentativa_de_inscricao_avisa_o_dono_nas_duas_partes(client):
    dono = UsuarioFactory(email="dono@exemplo.gov.br")
    client.post(
        "/inscricao/",
        {
            "cpf": dono.cpf,
            "nome": "Outra Pessoa",
            "email": "intruso@exemplo.com",
            "email_confirmacao": "intruso@exemplo.com",
            "telefone": "31999990000",
        },
    )
    email = ultimo_email("tentativa_inscricao")
    assert email.destinatario == "dono@exemplo.gov.br"
    texto, html = _partes(email)
    for parte in (texto, html):
        assert "/recuperar-senha/" in parte
        assert "intruso@exemplo.com" not in parte  # o que o outro digitou não vaza
    assert not EmailSaida.objects.filter(destinatario="intruso@exemplo.com").exists()


def test_troca_de_email_confirmacao_e_aviso_nas_duas_partes(usuario):
    services.solicitar_troca_email(usuario, novo_email="novo@exemplo.gov.br")
    confirmacao = ultimo_email("troca_email_confirmacao")
    aviso = ultimo_email("troca_email_aviso")
    assert confirmacao.destinatario == "novo@exemplo.gov.br"
    assert aviso.destinatario == usuario.email
    texto, html = _partes(confirmacao)
    assert "/minha-conta/email/" in texto and "/minha-conta/email/" in html
    texto, html = _partes(aviso)
    for parte in (texto, html):
        assert "novo@exemplo.gov.br" in parte
        assert "/minha-conta/email/" not in parte  # o link de confirmação só vai ao novo


def test_senha_alterada_avisa_nas_duas_partes(usuario):
    services.alterar_senha(usuario, nova_senha=NOVA)
    texto, html = _partes(ultimo_email("senha_alterada"))
    assert "/recuperar-senha/" in texto and "/recuperar-senha/" in html


def test_convite_de_pessoa_cadastrada_pela_administracao_nas_duas_partes(db):
    pessoa = Usuario(cpf="52998224725", nome="Pessoa Convidada", email="convidada@exemplo.gov.br")
    services.cadastrar_pela_administracao(pessoa)
    services.reenviar_primeiro_acesso(pessoa, evento="convite")
    texto, html = _partes(ultimo_email("convite"))
    assert "/primeiro-acesso/" in texto and "/primeiro-acesso/" in html


def _link_de_recuperacao(client, usuario):
    with TestCase.captureOnCommitCallbacks(execute=True):  # a fila confere o pedido
        client.post("/recuperar-senha/", {"cpf": usuario.cpf, "email": usuario.email})
    return caminho(link_do_email(ultimo_email("recuperacao_senha"), "/recuperar-senha/"))


@pytest.mark.parametrize(
    "adulterar",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # um caractere trocado
        lambda t: t[:-4],  # cortado
        lambda t: t + "x",  # com sobra
        lambda t: "../" + t,
    ],
    ids=["trocado", "cortado", "sobra", "barra"],
)
def test_link_de_recuperacao_adulterado_nao_abre_nem_muda_a_senha(client, adulterar):
    usuario = UsuarioFactory()
    link = _link_de_recuperacao(client, usuario)
    prefixo, token = link.rstrip("/").rsplit("/", 1)
    falso = f"{prefixo}/{adulterar(token)}/"
    assert client.get(falso).status_code == 404
    client.post(falso, {"nova_senha": NOVA, "confirmacao_senha": NOVA})
    usuario.refresh_from_db()
    assert not usuario.check_password(NOVA)
    assert client.get(link).status_code == 200  # o verdadeiro continua valendo


def test_link_de_troca_de_email_vence_em_24_horas(client, usuario):
    services.solicitar_troca_email(usuario, novo_email="novo@exemplo.gov.br")
    link = caminho(link_do_email(ultimo_email("troca_email_confirmacao"), "/minha-conta/email/"))
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        client.force_login(usuario)
        resposta = client.get(link)
    assert resposta.status_code == 404
    usuario.refresh_from_db()
    assert usuario.email != "novo@exemplo.gov.br"
