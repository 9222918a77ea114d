"""Segurança das contas (issue #11, itens 11, 12, 13 e 18).

11: a senha redigitada em Minha conta conta para o bloqueio do CPF, como no login.
12: /recuperar-senha/ faz o mesmo trabalho com e sem correspondência de CPF e e-mail.
13: trocar ou redefinir a senha invalida os links de recuperação, primeiro acesso e troca de
    e-mail ainda abertos.
18: limite de e-mails por destinatário (bombardeio de e-mails pelas páginas públicas).
"""

import pytest
from axes.models import AccessAttempt
from django.test import TestCase

from accounts import services
from accounts.models import RegistroAuditoria, TokenAcesso
from tests.conftest import caminho, link_do_email, ultimo_email
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


# --- Item 13: mudar a senha (ou o e-mail) encerra os links abertos ----------------------------
def depois_do_commit():
    """Roda o que o pedido deixou para depois do commit (a fila em modo eager)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def link_de_recuperacao(client, usuario):
    with depois_do_commit():
        client.post("/recuperar-senha/", {"cpf": usuario.cpf, "email": usuario.email})
    return caminho(link_do_email(ultimo_email("recuperacao_senha"), "/recuperar-senha/"))


def link_de_troca_de_email(cliente_logado, novo="novo@exemplo.com.br"):
    assert trocar_email(cliente_logado, SENHA, novo).status_code == 302
    return caminho(link_do_email(ultimo_email("troca_email_confirmacao"), "/minha-conta/email/"))


def link_invalido(client, link):
    resposta = client.get(link)
    return resposta.status_code == 404 and "Link inválido" in resposta.content.decode()


def redefinir(client, link, senha=NOVA):
    return client.post(link, {"nova_senha": senha, "confirmacao_senha": senha})


def test_trocar_a_senha_invalida_recuperacao_e_troca_de_email_pendentes(
    cliente_logado, usuario, client
):
    recuperacao = link_de_recuperacao(type(client)(), usuario)
    troca = link_de_troca_de_email(cliente_logado)
    assert not link_invalido(client, recuperacao) and not link_invalido(client, troca)
    assert trocar_senha(cliente_logado, SENHA).status_code == 302
    assert link_invalido(client, recuperacao)
    assert redefinir(client, recuperacao, "Terceira#Senha1").status_code == 404
    assert link_invalido(client, troca)
    assert cliente_logado.post(troca).status_code == 404
    usuario.refresh_from_db()
    assert usuario.check_password(NOVA) and usuario.email != "novo@exemplo.com.br"


def test_redefinir_a_senha_invalida_a_troca_de_email_e_outro_link_de_recuperacao(
    cliente_logado, usuario, client
):
    troca = link_de_troca_de_email(cliente_logado)
    primeiro = link_de_recuperacao(client, usuario)
    # um segundo pedido já anula o primeiro; a redefinição anula tudo o que sobrou
    segundo = link_de_recuperacao(client, usuario)
    assert link_invalido(client, primeiro)
    assert redefinir(client, segundo).status_code == 302
    assert link_invalido(client, troca)
    assert not TokenAcesso.objects.filter(usuario=usuario, usado_em=None).exists()


def test_redefinir_a_senha_encerra_as_sessoes_abertas(cliente_logado, usuario, client):
    assert cliente_logado.get("/painel/").status_code == 200
    assert redefinir(client, link_de_recuperacao(client, usuario)).status_code == 302
    assert cliente_logado.get("/painel/")["Location"].startswith("/entrar/")


def test_trocar_a_senha_mantem_esta_sessao_e_encerra_as_outras(cliente_logado, usuario, client):
    outra_sessao = type(client)()
    outra_sessao.force_login(usuario)
    assert outra_sessao.get("/painel/").status_code == 200
    assert trocar_senha(cliente_logado, SENHA).status_code == 302
    assert cliente_logado.get("/painel/").status_code == 200
    assert outra_sessao.get("/painel/")["Location"].startswith("/entrar/")


def test_primeiro_acesso_concluido_invalida_o_link_de_recuperacao(client):
    pendente = UsuarioFactory(pendente=True)
    with depois_do_commit():
        services.reenviar_primeiro_acesso(pendente)
    convite = caminho(link_do_email(ultimo_email("primeiro_acesso"), "/primeiro-acesso/"))
    recuperacao = link_de_recuperacao(client, pendente)
    resposta = client.post(
        convite, {"cpf": pendente.cpf, "nova_senha": NOVA, "confirmacao_senha": NOVA}
    )
    assert resposta.status_code == 302
    assert link_invalido(client, recuperacao)


def test_conta_ativada_pela_recuperacao_invalida_o_convite_de_primeiro_acesso(client):
    pendente = UsuarioFactory(pendente=True)
    with depois_do_commit():
        services.reenviar_primeiro_acesso(pendente)
    convite = caminho(link_do_email(ultimo_email("primeiro_acesso"), "/primeiro-acesso/"))
    assert redefinir(client, link_de_recuperacao(client, pendente)).status_code == 302
    assert link_invalido(client, convite)


def test_criar_a_primeira_senha_invalida_os_links_abertos(client):
    pelo_govbr = UsuarioFactory(pendente=True)
    services.aceitar_termo(pelo_govbr, services.termo_vigente(), pelo_govbr=True)
    pelo_govbr.refresh_from_db()
    assert pelo_govbr.situacao == pelo_govbr.Situacao.ATIVO
    recuperacao = link_de_recuperacao(client, pelo_govbr)
    client.force_login(pelo_govbr)
    resposta = client.post("/minha-conta/senha/", {"nova_senha": NOVA, "confirmacao_senha": NOVA})
    assert resposta.status_code == 302
    pelo_govbr.refresh_from_db()
    assert pelo_govbr.check_password(NOVA)
    assert link_invalido(type(client)(), recuperacao)


def test_confirmar_o_novo_email_invalida_links_mandados_ao_endereco_antigo(
    cliente_logado, usuario, client
):
    recuperacao = link_de_recuperacao(type(client)(), usuario)
    primeira_troca = link_de_troca_de_email(cliente_logado, "primeiro@exemplo.com.br")
    segunda_troca = link_de_troca_de_email(cliente_logado, "segundo@exemplo.com.br")
    assert cliente_logado.post(segunda_troca).status_code == 302
    assert link_invalido(client, recuperacao)
    assert link_invalido(client, primeira_troca)
    usuario.refresh_from_db()
    assert usuario.email == "segundo@exemplo.com.br"
