"""Caixa de saída sem segredos (issue #11, item 5).

Nenhuma linha de ``EmailSaida`` guarda um token que ``buscar_token`` aceite: o link fica com o
marcador e o token só existe na mensagem entregue ao SMTP (``mail.outbox`` nos testes), que
leva um link que funciona — inclusive depois de uma falha de envio e no "Enviar de novo".
"""

import re
import smtplib
from datetime import timedelta
from importlib import import_module

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from accounts import convites, services
from accounts.models import Usuario
from cagec.core.models import EmailSaida, TokenAcesso
from cagec.lib import emails
from tests.conftest import caminho
from tests.factories import SENHA, UsuarioFactory, cpf_aleatorio

pytestmark = pytest.mark.django_db

F = TokenAcesso.Finalidade
CANDIDATO = re.compile(r"[A-Za-z0-9_-]{20,}")
LINK = re.compile(r"https?://[^\s\"'<>]+")
migracao = import_module("accounts.migrations.0005_segredos_caixa_saida_e_axes")


class SMTPFora(LocmemBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def tokens_aceitos_nas_linhas():
    """Todo trecho de alguma linha da caixa de saída que abre um link de uso único."""
    aceitos = []
    for texto, html in EmailSaida.objects.values_list("corpo_texto", "corpo_html"):
        for candidato in set(CANDIDATO.findall(texto + html)):
            for finalidade in F.values:
                try:
                    services.buscar_token(candidato, finalidade)
                except services.TokenInvalido:
                    continue
                aceitos.append(candidato)
    return aceitos


def mensagem_de(email):
    marca = f"<cagec-{email.pk}@"
    mensagens = [m for m in mail.outbox if m.extra_headers["Message-ID"].startswith(marca)]
    assert len(mensagens) == 1
    return mensagens[0]


def token_da_mensagem(mensagem, trecho):
    links = [link for link in LINK.findall(mensagem.body) if trecho in link]
    html = mensagem.alternatives[0][0] if hasattr(mensagem, "alternatives") else ""
    assert links and all(link in html for link in links)  # o mesmo link no HTML
    return links[0].rstrip("/").rsplit("/", 1)[-1]


def pedir_recuperacao(pessoa):
    """O pedido de /recuperar-senha/ e o processamento dele (que a fila faz depois do commit)."""
    services.solicitar_recuperacao(cpf=pessoa.cpf, email=pessoa.email)
    assert services.processar_pedidos_de_recuperacao_pendentes(idade_minima=timedelta(0)) == 1


def entregar_todos():
    for pk in EmailSaida.objects.filter(status=EmailSaida.Status.PENDENTE).values_list(
        "pk", flat=True
    ):
        emails.entregar(pk)


@pytest.mark.parametrize(
    "fluxo, evento, trecho, finalidade",
    [
        ("inscricao", "primeiro_acesso", "/primeiro-acesso/", F.PRIMEIRO_ACESSO),
        ("convite", "convite", "/primeiro-acesso/", F.PRIMEIRO_ACESSO),
        ("administracao", "primeiro_acesso", "/primeiro-acesso/", F.PRIMEIRO_ACESSO),
        ("recuperacao", "recuperacao_senha", "/recuperar-senha/", F.RECUPERACAO_SENHA),
        ("troca_email", "troca_email_confirmacao", "/minha-conta/email/", F.TROCA_EMAIL),
    ],
)
def test_nenhuma_linha_guarda_token_utilizavel_e_a_mensagem_entregue_tem_link_que_vale(
    fluxo, evento, trecho, finalidade
):
    if fluxo == "inscricao":
        services.inscrever(cpf=cpf_aleatorio(), nome="Ana", email="ana@ex.com.br", telefone="")
    elif fluxo == "convite":
        services.reenviar_primeiro_acesso(UsuarioFactory(pendente=True), evento="convite")
    elif fluxo == "administracao":
        services.cadastrar_pela_administracao(Usuario(cpf=cpf_aleatorio(), email="a@ex.com.br"))
    elif fluxo == "recuperacao":
        pessoa = UsuarioFactory()
        pedir_recuperacao(pessoa)
    else:
        services.solicitar_troca_email(UsuarioFactory(), novo_email="novo@ex.com.br")
    email = EmailSaida.objects.get(evento=evento)
    assert TokenAcesso.MARCADOR in email.corpo_texto and TokenAcesso.MARCADOR in email.corpo_html
    assert tokens_aceitos_nas_linhas() == []  # pendente: nem antes do envio

    assert emails.entregar(email.pk) is True

    assert tokens_aceitos_nas_linhas() == []  # enviado: a linha continua sem o segredo
    bruto = token_da_mensagem(mensagem_de(email), trecho)
    assert services.buscar_token(bruto, finalidade).pk == email.token_id


def test_link_recebido_conclui_o_primeiro_acesso(client):
    cpf = cpf_aleatorio()
    services.inscrever(cpf=cpf, nome="Ana", email="ana@ex.com.br", telefone="")
    email = EmailSaida.objects.get(evento="primeiro_acesso")
    emails.entregar(email.pk)
    link = next(lk for lk in LINK.findall(mensagem_de(email).body) if "/primeiro-acesso/" in lk)

    resposta = client.post(
        caminho(link), {"cpf": cpf, "nova_senha": SENHA, "confirmacao_senha": SENHA}
    )

    assert resposta.status_code == 302
    assert Usuario.objects.get(cpf=cpf).situacao == Usuario.Situacao.ATIVO


def test_falha_no_smtp_e_nova_tentativa_entregam_link_que_vale_sem_guardar_segredo(settings):
    pessoa = UsuarioFactory()
    pedir_recuperacao(pessoa)
    email = EmailSaida.objects.get(evento="recuperacao_senha")
    settings.EMAIL_BACKEND = f"{__name__}.SMTPFora"
    assert emails.entregar(email.pk) is False
    assert tokens_aceitos_nas_linhas() == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # A espera exponencial depois da falha passou (cagec.lib.entrega.espera).
    EmailSaida.objects.filter(pk=email.pk).update(proxima_tentativa_em=timezone.now())
    assert emails.entregar(email.pk) is True
    assert emails.entregar(email.pk) is False  # uma entrega por linha

    bruto = token_da_mensagem(mensagem_de(email), "/recuperar-senha/")
    assert services.buscar_token(bruto, F.RECUPERACAO_SENHA)
    assert tokens_aceitos_nas_linhas() == []


def test_enviar_de_novo_entrega_link_que_vale_e_o_do_envio_anterior_deixa_de_valer():
    services.reenviar_primeiro_acesso(UsuarioFactory(pendente=True), evento="convite")
    original = EmailSaida.objects.get(evento="convite")
    emails.entregar(original.pk)
    primeiro = token_da_mensagem(mensagem_de(original), "/primeiro-acesso/")

    assert emails.reenviar(original.pk) is True
    copia = EmailSaida.objects.exclude(pk=original.pk).get(evento="convite")
    assert copia.token_id == original.token_id
    emails.entregar(copia.pk)

    segundo = token_da_mensagem(mensagem_de(copia), "/primeiro-acesso/")
    assert services.buscar_token(segundo, F.PRIMEIRO_ACESSO).pk == original.token_id
    with pytest.raises(services.TokenInvalido):
        services.buscar_token(primeiro, F.PRIMEIRO_ACESSO)
    assert tokens_aceitos_nas_linhas() == []


def test_enviar_de_novo_recusa_link_ja_usado_em_vez_de_mandar_link_morto(client):
    pessoa = UsuarioFactory()
    pedir_recuperacao(pessoa)
    email = EmailSaida.objects.get(evento="recuperacao_senha")
    emails.entregar(email.pk)
    bruto = token_da_mensagem(mensagem_de(email), "/recuperar-senha/")
    services.redefinir_senha(bruto, senha="Nova#Senha123")

    assert emails.reenviar(email.pk) is False
    assert EmailSaida.objects.filter(evento="recuperacao_senha").count() == 1


def test_convites_em_massa_cada_um_com_seu_link_e_nenhum_segredo_nas_linhas(
    django_capture_on_commit_callbacks,
):
    pessoas = [UsuarioFactory(pendente=True, origem=Usuario.Origem.IMPORTACAO) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        assert convites.agendar_convites() == 3
    entregar_todos()

    assert tokens_aceitos_nas_linhas() == []
    for pessoa in pessoas:
        email = EmailSaida.objects.get(evento="convite", usuario=pessoa)
        bruto = token_da_mensagem(mensagem_de(email), "/primeiro-acesso/")
        assert services.buscar_token(bruto, F.PRIMEIRO_ACESSO).usuario == pessoa


def test_migracao_esconde_o_token_das_linhas_antigas_e_a_pendente_sai_com_link_que_vale():
    pessoa = UsuarioFactory(pendente=True)
    token = services._emitir_token(
        pessoa, F.PRIMEIRO_ACESSO, services.settings.PRIMEIRO_ACESSO_VALIDADE
    )
    bruto = token.gerar_segredo()
    link = f"http://testserver/primeiro-acesso/{bruto}/"
    antiga = EmailSaida.objects.create(
        evento="convite",
        usuario=pessoa,
        destinatario=pessoa.email,
        assunto="Convite",
        corpo_texto=f"Abra {link}\n",
        corpo_html=f'<a href="{link}">{link}</a>',
    )
    outra = EmailSaida.objects.create(
        evento="senha_alterada",
        destinatario=pessoa.email,
        assunto="Aviso",
        corpo_texto="Entre em http://testserver/recuperar-senha/ se não foi você.",
        corpo_html="<p>nada</p>",
    )
    assert tokens_aceitos_nas_linhas() == [bruto]

    # Os modelos como a migração os vê (em ``accounts``; hoje estão em ``cagec.core``, mesmas
    # tabelas).
    estado = MigrationLoader(connection).project_state(
        ("accounts", "0005_segredos_caixa_saida_e_axes")
    )
    migracao.esconder_tokens(estado.apps, None)

    antiga.refresh_from_db()
    assert tokens_aceitos_nas_linhas() == []
    assert antiga.token_id == token.pk
    assert antiga.corpo_texto == f"Abra http://testserver/primeiro-acesso/{TokenAcesso.MARCADOR}/\n"
    outra.refresh_from_db()
    assert outra.corpo_texto.endswith("/recuperar-senha/ se não foi você.")
    emails.entregar(antiga.pk)
    novo = token_da_mensagem(mensagem_de(antiga), "/primeiro-acesso/")
    assert services.buscar_token(novo, F.PRIMEIRO_ACESSO).pk == token.pk


def test_em_massa_com_token_cada_linha_guarda_a_referencia_e_a_entrega_leva_o_link():
    pessoas = [UsuarioFactory(pendente=True) for _ in range(2)]
    validade = services.settings.PRIMEIRO_ACESSO_VALIDADE
    mensagens = [
        (
            "convite",
            pessoa.email,
            {"usuario": pessoa, "link": services._link("accounts:primeiro_acesso"), "horas": 72},
            pessoa,
            services._emitir_token(pessoa, F.PRIMEIRO_ACESSO, validade),
        )
        for pessoa in pessoas
    ]

    criados = emails.enfileirar_emails(mensagens)
    entregar_todos()

    assert tokens_aceitos_nas_linhas() == []
    for email, pessoa in zip(criados, pessoas, strict=True):
        bruto = token_da_mensagem(mensagem_de(email), "/primeiro-acesso/")
        assert services.buscar_token(bruto, F.PRIMEIRO_ACESSO).usuario == pessoa
