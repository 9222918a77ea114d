"""Inscrição de novo usuário: mesma resposta para CPF novo e existente, e-mails certos."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from accounts import services
from accounts.models import Usuario
from cagec.core.models import EmailSaida, RegistroAuditoria
from tests.factories import UsuarioFactory, cpf_aleatorio

pytestmark = pytest.mark.django_db


def dados(cpf=None, **extra):
    cpf = cpf or cpf_aleatorio()
    return {
        "cpf": f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}",
        "nome": "Joana da Silva Teste",
        "email": "joana@exemplo.com.br",
        "email_confirmacao": "JOANA@exemplo.com.br",
        "telefone": "(31) 99876-5432",
        **extra,
    }


def test_pagina_tem_os_rotulos_do_contrato(client):
    html = client.get("/inscricao/").content.decode()
    for rotulo in ["CPF", "Nome completo", "E-mail", "Confirmação do e-mail", "Telefone"]:
        assert f">{rotulo}" in html or f">\n                {rotulo}" in html or rotulo in html
    assert 'for="id_cpf"' in html and 'for="id_email_confirmacao"' in html


def test_cpf_novo_cria_conta_pendente_e_envia_primeiro_acesso(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        resposta = client.post("/inscricao/", dados(cpf="52998224725"))
    assert resposta.status_code == 302 and resposta["Location"] == "/inscricao/enviada/"
    usuario = Usuario.objects.get(cpf="52998224725")
    assert usuario.situacao == Usuario.Situacao.PENDENTE
    assert not usuario.has_usable_password()
    assert usuario.telefone == "31998765432"
    assert usuario.origem == Usuario.Origem.INSCRICAO
    assert len(mailoutbox) == 1
    msg = mailoutbox[0]
    assert msg.to == ["joana@exemplo.com.br"]
    assert "ative sua conta" in msg.subject
    assert "/primeiro-acesso/" in msg.body
    html = msg.alternatives[0][0]
    assert "/primeiro-acesso/" in html and "Ativar minha conta" in html


def test_cpf_existente_nao_cria_nada_e_avisa_o_email_cadastrado(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    existente = UsuarioFactory(email="dono@exemplo.com.br")
    total = Usuario.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        resposta = client.post(
            "/inscricao/",
            dados(cpf=existente.cpf, email="intruso@x.com", email_confirmacao="intruso@x.com"),
        )
    assert resposta.status_code == 302 and resposta["Location"] == "/inscricao/enviada/"
    assert Usuario.objects.count() == total
    existente.refresh_from_db()
    assert existente.email == "dono@exemplo.com.br" and existente.has_usable_password()
    assert [m.to for m in mailoutbox] == [["dono@exemplo.com.br"]]
    assert "tentativa de inscrição" in mailoutbox[0].subject
    assert "/recuperar-senha/" in mailoutbox[0].body
    assert not any("intruso" in ",".join(m.to) for m in mailoutbox)


def test_resposta_identica_para_cpf_novo_e_existente(client):
    existente = UsuarioFactory()
    r1 = client.post("/inscricao/", dados(), follow=True)
    r2 = client.post("/inscricao/", dados(cpf=existente.cpf), follow=True)
    assert r1.redirect_chain == r2.redirect_chain
    assert r1.content == r2.content


@pytest.mark.parametrize(
    "campo,valor,mensagem",
    [
        ("cpf", "529.982.247-24", "CPF inválido"),
        ("cpf", "111.111.111-11", "CPF inválido"),
        ("nome", "Joana", "nome completo"),
        ("email", "joana@", "e-mail válido"),
        ("email_confirmacao", "outra@exemplo.com.br", "não são iguais"),
        ("telefone", "1234", "Telefone inválido"),
    ],
)
def test_entrada_invalida_mostra_mensagem_e_preserva_o_que_foi_digitado(
    client, campo, valor, mensagem
):
    enviado = dados(**{campo: valor})
    resposta = client.post("/inscricao/", enviado)
    html = resposta.content.decode()
    assert resposta.status_code == 200
    assert 'id="resumo-erros"' in html and mensagem in html
    assert 'value="Joana da Silva Teste"' in html or campo == "nome"
    assert Usuario.objects.count() == 0
    assert EmailSaida.objects.count() == 0


def test_campos_vazios_sao_obrigatorios(client):
    html = client.post("/inscricao/", {}).content.decode()
    assert html.count("Este campo é obrigatório") == 10  # no resumo e ao lado de cada campo


def test_auditoria_nao_guarda_cpf_completo(client):
    client.post("/inscricao/", dados(cpf="52998224725"))
    registro = RegistroAuditoria.objects.get(acao="usuario.inscricao")
    assert "52998224725" not in str(registro.__dict__)


@pytest.mark.django_db(transaction=True)
def test_inscricoes_simultaneas_com_o_mesmo_cpf_criam_uma_conta():
    if connection.vendor != "postgresql":
        pytest.skip("Concorrência real só no PostgreSQL (o SQLite serializa as escritas)")
    cpf = cpf_aleatorio()

    def inscrever(_):
        from django.db import connection as conexao

        try:
            services.inscrever(
                cpf=cpf, nome="Pessoa Concorrente", email="c@exemplo.com.br", telefone="31999990000"
            )
        finally:
            conexao.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(inscrever, range(8)))
    assert Usuario.objects.filter(cpf=cpf).count() == 1
    assert EmailSaida.objects.filter(evento="primeiro_acesso").count() == 1
    # 7 tentativas, mas só 3 avisos por hora ao mesmo endereço (limite por destinatário,
    # respeitado também entre conexões simultâneas); as outras 4 ficam na auditoria.
    assert EmailSaida.objects.filter(evento="tentativa_inscricao").count() == 3
    barrados = RegistroAuditoria.objects.filter(acao="email.limite_por_destinatario")
    assert barrados.count() == 4


def test_limite_por_ip_responde_429_amigavel(client, settings):
    with time_machine.travel(timezone.now(), tick=False):  # a janela do minuto não vira no meio
        for _ in range(20):
            client.post("/inscricao/", {"cpf": "x"})
        resposta = client.post("/inscricao/", {"cpf": "x"})
    assert resposta.status_code == 429
    assert "Muitas tentativas" in resposta.content.decode()
