"""Minha conta: dados, senha, troca de e-mail com confirmação, exportação LGPD, histórico."""

import json

import pytest

from cagec.core.models import EmailSaida, RegistroAuditoria
from tests.conftest import caminho, link_do_email, ultimo_email
from tests.factories import SENHA

pytestmark = pytest.mark.django_db
NOVA = "Outra#Senha2027"


def test_altera_nome_e_telefone_com_auditoria(cliente_logado, usuario):
    resposta = cliente_logado.post(
        "/minha-conta/", {"nome": "Nome  Novo da Silva", "telefone": "(31) 3333-4444"}
    )
    assert resposta.status_code == 302
    usuario.refresh_from_db()
    assert usuario.nome == "Nome Novo da Silva" and usuario.telefone == "3133334444"
    registro = RegistroAuditoria.objects.get(acao="usuario.dados_alterados")
    assert registro.depois["nome"] == "Nome Novo da Silva" and registro.ator == usuario


def test_dados_invalidos_nao_salvam(cliente_logado, usuario):
    nome = usuario.nome
    html = cliente_logado.post("/minha-conta/", {"nome": "", "telefone": "1"}).content.decode()
    assert 'id="resumo-erros"' in html
    usuario.refresh_from_db()
    assert usuario.nome == nome


def test_troca_de_senha_exige_a_atual(cliente_logado, usuario):
    html = cliente_logado.post(
        "/minha-conta/senha/",
        {
            "senha_atual": "Errada#1",
            "nova_senha": NOVA,
            "confirmacao_senha": NOVA,
        },
    ).content.decode()
    assert "senha atual não confere" in html
    resposta = cliente_logado.post(
        "/minha-conta/senha/",
        {
            "senha_atual": SENHA,
            "nova_senha": NOVA,
            "confirmacao_senha": NOVA,
        },
    )
    assert resposta.status_code == 302
    usuario.refresh_from_db()
    assert usuario.check_password(NOVA)
    assert cliente_logado.get("/painel/").status_code == 200  # continua logado
    assert ultimo_email("senha_alterada").destinatario == usuario.email


def test_troca_de_email_so_vale_apos_confirmar(cliente_logado, usuario, client):
    antigo = usuario.email
    resposta = cliente_logado.post(
        "/minha-conta/email/",
        {
            "email": "novo@exemplo.com.br",
            "email_confirmacao": "novo@exemplo.com.br",
            "senha": SENHA,
        },
    )
    assert resposta.status_code == 302
    usuario.refresh_from_db()
    assert usuario.email == antigo
    aviso = ultimo_email("troca_email_aviso")
    assert aviso.destinatario == antigo and "novo@exemplo.com.br" in aviso.corpo_texto
    confirmacao = ultimo_email("troca_email_confirmacao")
    assert confirmacao.destinatario == "novo@exemplo.com.br"
    link = caminho(link_do_email(confirmacao, "/minha-conta/email/"))
    assert cliente_logado.get(link).status_code == 200  # GET só mostra; não gasta o link
    usuario.refresh_from_db()
    assert usuario.email == antigo
    assert cliente_logado.post(link).status_code == 302
    usuario.refresh_from_db()
    assert usuario.email == "novo@exemplo.com.br"
    assert cliente_logado.post(link).status_code == 404


def test_troca_de_email_exige_senha(cliente_logado, usuario):
    html = cliente_logado.post(
        "/minha-conta/email/",
        {
            "email": "novo@exemplo.com.br",
            "email_confirmacao": "novo@exemplo.com.br",
            "senha": "Errada#1",
        },
    ).content.decode()
    assert "A senha não confere" in html
    assert not EmailSaida.objects.filter(evento="troca_email_confirmacao").exists()


def test_exportacao_lgpd_traz_tudo_da_pessoa_e_nada_de_outra(
    cliente_logado, usuario, outro_usuario
):
    cliente_logado.post(
        "/minha-conta/", {"nome": "Nome Exportado Silva", "telefone": "31999990000"}
    )
    resposta = cliente_logado.get("/minha-conta/meus-dados.json")
    assert resposta["Content-Disposition"].startswith("attachment")
    dados = json.loads(resposta.content)
    assert dados["conta"]["nome"] == "Nome Exportado Silva"
    assert dados["conta"]["cpf"].replace(".", "").replace("-", "") == usuario.cpf
    assert dados["aceites_termo_uso"][0]["versao"] == 1
    assert any(r["acao"] == "usuario.dados_alterados" for r in dados["auditoria"])
    assert outro_usuario.cpf not in resposta.content.decode()
    assert outro_usuario.email not in resposta.content.decode()


def test_historico_da_conta_aparece_na_pagina(cliente_logado, usuario):
    cliente_logado.post(
        "/minha-conta/", {"nome": "Nome Historico Silva", "telefone": "31999990000"}
    )
    html = cliente_logado.get("/minha-conta/").content.decode()
    assert "Histórico da conta" in html and "Dados pessoais alterados" in html


def test_exportacao_lgpd_traz_vinculos_e_o_que_a_pessoa_fez(cliente_logado, usuario, outro_usuario):
    from parceiros import services
    from tests.factories import parceiro_com_rl

    parceiro = parceiro_com_rl(usuario)
    services.incluir_responsavel(parceiro, outro_usuario, ator=usuario, cargo="Assessor")
    dados = json.loads(cliente_logado.get("/minha-conta/meus-dados.json").content)
    [vinculo] = dados["vinculos"]
    assert vinculo["cnpj"] == parceiro.cnpj and vinculo["papel"] == "Representante Legal"
    assert vinculo["cargo"] == "Prefeita" and vinculo["ativo"] is True
    # A inclusão do RI foi feita por ela (ator), embora a conta afetada seja a do outro.
    feitas = [r for r in dados["auditoria"] if r["feita_por_mim"]]
    assert any(r["acao"].startswith("vinculo.") for r in feitas)
    for chave in ("solicitacoes", "declaracoes_assinadas", "documentos_enviados"):
        assert dados[chave] == []
    assert outro_usuario.cpf not in json.dumps(dados)
