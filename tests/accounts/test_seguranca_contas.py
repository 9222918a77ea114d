"""Segurança das contas (issue #11, itens 11, 12, 13 e 18).

11: a senha redigitada em Minha conta conta para o bloqueio do CPF, como no login.
12: /recuperar-senha/ faz o mesmo trabalho com e sem correspondência de CPF e e-mail.
13: trocar ou redefinir a senha invalida os links de recuperação, primeiro acesso e troca de
    e-mail ainda abertos.
18: limite de e-mails por destinatário (bombardeio de e-mails pelas páginas públicas).
"""

import pytest
from axes.models import AccessAttempt

from accounts.models import RegistroAuditoria
from tests.factories import SENHA, UsuarioFactory

pytestmark = pytest.mark.django_db
NOVA = "Outra#Senha2027"
ERRADA = "Errada#123"


def trocar_senha(client, atual):
    return client.post(
        "/minha-conta/senha/",
        {"senha_atual": atual, "nova_senha": NOVA, "confirmacao_senha": NOVA},
    )


def trocar_email(client, senha, novo="novo@exemplo.com.br"):
    return client.post(
        "/minha-conta/email/", {"email": novo, "email_confirmacao": novo, "senha": senha}
    )


def entrar(client, cpf, senha):
    return client.post("/entrar/", {"cpf": cpf, "senha": senha})


def falhas(usuario):
    tentativa = AccessAttempt.objects.filter(username=usuario.cpf).first()
    return tentativa.failures_since_start if tentativa else 0


# --- Item 11: senha atual errada conta para o bloqueio ---------------------------------------
def test_senha_atual_errada_na_troca_de_senha_conta_como_falha_de_login(cliente_logado, usuario):
    html = trocar_senha(cliente_logado, ERRADA).content.decode()
    assert "senha atual não confere" in html
    assert falhas(usuario) == 1


def test_quinta_senha_atual_errada_bloqueia_o_cpf_e_encerra_a_sessao(cliente_logado, usuario):
    for _ in range(4):
        assert trocar_senha(cliente_logado, ERRADA).status_code == 200
    quinta = trocar_senha(cliente_logado, ERRADA)
    assert quinta.status_code == 429
    html = quinta.content.decode()
    assert "Acesso temporariamente bloqueado" in html and "/recuperar-senha/" in html
    # a sessão acabou e o login, nem com a senha certa, passa durante o bloqueio
    assert cliente_logado.get("/painel/")["Location"].startswith("/entrar/")
    assert entrar(cliente_logado, usuario.cpf, SENHA).status_code == 429
    usuario.refresh_from_db()
    assert usuario.check_password(SENHA)
    assert RegistroAuditoria.objects.filter(
        acao="usuario.sessao_encerrada_por_bloqueio", usuario_afetado=usuario
    ).exists()


def test_senha_errada_na_troca_de_email_soma_com_o_login_e_bloqueia(client, usuario):
    client.force_login(usuario)
    outro_navegador = type(client)()
    for _ in range(3):
        assert entrar(outro_navegador, usuario.cpf, ERRADA).status_code == 200
    assert trocar_email(client, ERRADA).status_code == 200
    quinta = trocar_email(client, ERRADA)
    assert quinta.status_code == 429
    assert "Acesso temporariamente bloqueado" in quinta.content.decode()
    assert client.get("/minha-conta/")["Location"].startswith("/entrar/")
    usuario.refresh_from_db()
    assert usuario.email != "novo@exemplo.com.br"


def test_cpf_bloqueado_nao_troca_senha_nem_com_a_senha_certa(cliente_logado, usuario, client):
    outro_navegador = type(client)()
    for _ in range(5):
        entrar(outro_navegador, usuario.cpf, ERRADA)
    resposta = trocar_senha(cliente_logado, SENHA)
    assert resposta.status_code == 429
    usuario.refresh_from_db()
    assert usuario.check_password(SENHA) and not usuario.check_password(NOVA)
    assert cliente_logado.get("/painel/").status_code == 302


def test_bloqueio_pela_troca_de_email_nao_atinge_outra_pessoa(cliente_logado, usuario, client):
    for _ in range(5):
        trocar_email(cliente_logado, ERRADA)
    outra = UsuarioFactory()
    assert entrar(client, outra.cpf, SENHA).status_code == 302
