"""Conta ativada pelo gov.br, sem senha local: cria a primeira senha sem "senha atual"; a
troca de e-mail e a assinatura pedem essa senha e explicam como criá-la."""

import pytest
from django.contrib.auth import authenticate

from tests.conftest import ultimo_email
from tests.declaracoes.test_assinatura import aguardando_assinatura

pytestmark = pytest.mark.django_db
NOVA = "Primeira#Senha2027"


@pytest.fixture
def sem_senha(rl):
    """O RL do ``parceiro`` entrou só pelo gov.br: não tem senha no portal."""
    rl.set_unusable_password()
    rl.save(update_fields=["password"])
    return rl


@pytest.fixture
def cliente(client, sem_senha):
    client.force_login(sem_senha)
    return client


def test_cria_a_primeira_senha_sem_senha_atual_e_entra_com_ela(cliente, sem_senha, rf):
    pagina = cliente.get("/minha-conta/senha/").content.decode()
    assert "<h1>Criar senha</h1>" in pagina and 'name="senha_atual"' not in pagina

    resposta = cliente.post(
        "/minha-conta/senha/",
        {"nova_senha": NOVA, "confirmacao_senha": NOVA, "next": "/assinaturas/"},
    )

    assert resposta.status_code == 302 and resposta["Location"] == "/assinaturas/"
    sem_senha.refresh_from_db()
    assert sem_senha.check_password(NOVA)
    assert authenticate(rf.post("/entrar/"), username=sem_senha.cpf, password=NOVA) == sem_senha
    assert cliente.get("/painel/").status_code == 200  # a sessão continua
    assert ultimo_email("senha_alterada").destinatario == sem_senha.email


def test_senha_fraca_na_criacao_recebe_a_mensagem_e_nada_muda(cliente, sem_senha):
    html = cliente.post(
        "/minha-conta/senha/", {"nova_senha": "abc", "confirmacao_senha": "abc"}
    ).content.decode()
    assert 'id="resumo-erros"' in html
    sem_senha.refresh_from_db()
    assert not sem_senha.has_usable_password()


def test_next_externo_depois_de_criar_a_senha_e_ignorado(cliente):
    resposta = cliente.post(
        "/minha-conta/senha/",
        {"nova_senha": NOVA, "confirmacao_senha": NOVA, "next": "https://exemplo.com/"},
    )
    assert resposta["Location"] == "/minha-conta/"


def test_minha_conta_oferece_criar_senha(cliente):
    html = cliente.get("/minha-conta/").content.decode()
    assert "Criar senha" in html and "Alterar senha" not in html


def test_troca_de_email_manda_criar_a_senha_antes(cliente):
    resposta = cliente.get("/minha-conta/email/", follow=True)
    assert resposta.redirect_chain[-1][0] == "/minha-conta/senha/?next=/minha-conta/email/"
    assert "crie primeiro uma senha" in resposta.content.decode()


def test_assinatura_explica_como_criar_a_senha_e_nao_mostra_o_formulario(
    cliente, sem_senha, parceiro
):
    solicitacao = aguardando_assinatura(sem_senha, parceiro)
    html = cliente.get(f"/solicitacoes/{solicitacao.pk}/assinar/").content.decode()
    assert "ainda não tem senha no portal" in html
    assert f'href="/minha-conta/senha/?next=/solicitacoes/{solicitacao.pk}/assinar/"' in html
    assert 'name="senha"' not in html
