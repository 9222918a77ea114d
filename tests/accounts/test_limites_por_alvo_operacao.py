"""Limites por alvo: tentativas contra o mesmo CPF, e-mail ou convite, espalhadas por muitos
IPs (uma botnet), continuam limitadas; a exportação pública tem um teto somado de todos."""

from datetime import timedelta

import pytest

from accounts import services
from accounts.models import Usuario
from cagec.core.models import EmailSaida
from tests.conftest import caminho, link_do_email, ultimo_email
from tests.factories import SENHA, UsuarioFactory

pytestmark = pytest.mark.django_db


def ip(n):
    return f"203.0.113.{n}"


def inscrever(client, n, cpf="52998224725", email="rita@exemplo.com.br"):
    dados = {
        "cpf": cpf,
        "nome": "Rita de Cássia Souza",
        "email": email,
        "email_confirmacao": email,
        "telefone": "3133334444",
    }
    return client.post("/inscricao/", dados, REMOTE_ADDR=ip(n))


def test_inscricao_do_mesmo_cpf_de_muitos_ips_para_no_limite_por_cpf(client, settings):
    settings.EMAILS_POR_DESTINATARIO_POR_HORA = 0  # só o limite por CPF (o por e-mail é outro)
    UsuarioFactory(cpf="52998224725", email="dona@exemplo.com.br")
    for n in range(5):  # FORMULARIOS_PUBLICOS_LIMITE_POR_CPF = 5/h
        assert inscrever(client, n, email=f"outro{n}@exemplo.com.br").status_code == 302
    bloqueada = inscrever(client, 99, email="mais@exemplo.com.br")
    assert bloqueada.status_code == 429
    assert "Muitas tentativas" in bloqueada.content.decode()
    # A dona do CPF recebeu 5 avisos de tentativa, não um por IP da botnet.
    assert EmailSaida.objects.filter(evento="tentativa_inscricao").count() == 5
    # Outra pessoa se inscreve normalmente.
    assert inscrever(client, 100, cpf="11144477735", email="ana@exemplo.com.br").status_code == 302


def test_inscricao_com_o_mesmo_email_de_muitos_ips_para_no_limite_por_email(client, settings):
    settings.FORMULARIOS_PUBLICOS_LIMITE_POR_EMAIL = "3/h"
    cpfs = ["52998224725", "11144477735", "39053344705", "71428793860"]
    emails = ["alvo@exemplo.com.br", "ALVO@exemplo.com.br", "Alvo@Exemplo.com.br"]
    for n, (cpf, email) in enumerate(zip(cpfs, emails, strict=False)):
        assert inscrever(client, n, cpf=cpf, email=email).status_code == 302
    assert inscrever(client, 50, cpf=cpfs[3], email=" alvo@exemplo.com.br").status_code == 429
    assert not Usuario.objects.filter(cpf=cpfs[3]).exists()


def test_formulario_invalido_nao_gasta_o_limite_do_cpf(client):
    for n in range(8):
        resposta = client.post("/inscricao/", {"cpf": "52998224725"}, REMOTE_ADDR=ip(n))
        assert resposta.status_code == 200
    assert inscrever(client, 20).status_code == 302


def test_recuperacao_do_mesmo_cpf_de_muitos_ips_para_no_limite_sem_revelar_a_conta(
    client, settings
):
    settings.EMAILS_POR_DESTINATARIO_POR_HORA = 0  # só o limite por CPF (o por e-mail é outro)
    usuario = UsuarioFactory(email="certo@exemplo.com.br")
    for n in range(5):
        resposta = client.post(
            "/recuperar-senha/", {"cpf": usuario.cpf, "email": usuario.email}, REMOTE_ADDR=ip(n)
        )
        assert resposta.status_code == 302
    # A conferência do pedido roda na fila depois do commit: aqui, pela varredura.
    assert services.processar_pedidos_de_recuperacao_pendentes(idade_minima=timedelta(0)) == 5
    assert EmailSaida.objects.filter(evento="recuperacao_senha").count() == 5
    existente = client.post(
        "/recuperar-senha/", {"cpf": usuario.cpf, "email": usuario.email}, REMOTE_ADDR=ip(40)
    )
    assert existente.status_code == 429
    services.processar_pedidos_de_recuperacao_pendentes(idade_minima=timedelta(0))
    assert EmailSaida.objects.filter(evento="recuperacao_senha").count() == 5
    # Um CPF desconhecido esgota o limite do mesmo jeito: o 429 não diz se a conta existe.
    for n in range(5):
        client.post(
            "/recuperar-senha/",
            {"cpf": "52998224725", "email": "x@exemplo.com.br"},
            REMOTE_ADDR=ip(20 + n),
        )
    desconhecido = client.post(
        "/recuperar-senha/", {"cpf": "52998224725", "email": "x@exemplo.com.br"}, REMOTE_ADDR=ip(41)
    )
    assert desconhecido.status_code == 429
    assert desconhecido.content == existente.content


def test_primeiro_acesso_limita_as_confirmacoes_do_convite_de_qualquer_ip(client):
    inscrever(client, 1)
    link = caminho(link_do_email(ultimo_email("primeiro_acesso"), "/primeiro-acesso/"))
    errado = {"cpf": "111.444.777-35", "nova_senha": SENHA, "confirmacao_senha": SENHA}
    for n in range(10):  # PRIMEIRO_ACESSO_LIMITE_POR_CONVITE = 10/h
        resposta = client.post(link, errado, REMOTE_ADDR=ip(n))
        assert "não corresponde ao cadastro deste link" in resposta.content.decode()
    certo = {**errado, "cpf": "529.982.247-25"}
    assert client.post(link, certo, REMOTE_ADDR=ip(60)).status_code == 429
    assert Usuario.objects.get(cpf="52998224725").situacao == Usuario.Situacao.PENDENTE


def test_login_do_mesmo_cpf_de_muitos_ips_bloqueia_o_cpf(client, settings):
    """No login o limite por conta é o do django-axes (por CPF, venha de onde vier)."""
    settings.PROXIES_CONFIAVEIS = ["10.0.0.0/8"]
    usuario = UsuarioFactory()
    for n in range(4):
        resposta = client.post(
            "/entrar/",
            {"cpf": usuario.cpf, "senha": "Errada#123"},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR=ip(n),
        )
        assert resposta.status_code == 200
    quinta = client.post(
        "/entrar/", {"cpf": usuario.cpf, "senha": "Errada#123"}, HTTP_X_FORWARDED_FOR=ip(9)
    )
    assert quinta.status_code == 429
    certa = client.post("/entrar/", {"cpf": usuario.cpf, "senha": SENHA}, REMOTE_ADDR=ip(10))
    assert certa.status_code == 429


def test_exportacao_publica_tem_teto_somado_de_todos_os_ips(client, settings):
    settings.EXPORTACAO_LIMITE_GLOBAL = "3/m"
    for n in range(3):
        resposta = client.get("/consulta/exportar.xlsx", {"nome": "ninguem"}, REMOTE_ADDR=ip(n))
        assert resposta.status_code == 200
    resposta = client.get("/consulta/exportar.xlsx", {"nome": "ninguem"}, REMOTE_ADDR=ip(77))
    assert resposta.status_code == 429
    # A consulta na tela continua atendendo.
    assert client.get("/consulta/", {"nome": "ninguem"}, REMOTE_ADDR=ip(78)).status_code == 200
