"""Caixa de saída de e-mails (cagec.lib.emails): Celery eager e backend de e-mail locmem.

O SMTP "fora do ar" é o backend SMTP real do Django apontado para uma porta sem ninguém.
"""

import smtplib
import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts import services
from accounts.models import Usuario
from cagec.core.models import EmailSaida, TokenAcesso
from cagec.core.tasks import enviar_email, varrer_caixa_de_saida
from cagec.lib import emails
from tests.factories import UsuarioFactory, cpf_aleatorio

Status = EmailSaida.Status
CONTEXTO = {
    "usuario": SimpleNamespace(nome="Ana Beatriz Souza"),
    "link": "http://testserver/l/abc",
    "horas": 48,
}


class SMTPAceitaMasCaiAntesDaConfirmacao(LocmemBackend):
    """O servidor recebe a mensagem, mas a conexão cai antes de o cliente ver o "250 OK"."""

    def send_messages(self, messages):
        super().send_messages(messages)
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class SMTPLento(LocmemBackend):
    """SMTP que demora a responder: avisa quando começou e só envia quando liberado."""

    comecou = threading.Event()
    liberar = threading.Event()

    def send_messages(self, messages):
        SMTPLento.comecou.set()
        SMTPLento.liberar.wait(timeout=5)
        return super().send_messages(messages)


def email_pendente(django_capture_on_commit_callbacks, destinatario="ana@exemplo.com.br"):
    """Um e-mail na caixa de saída cuja publicação pós-commit não aconteceu (fila fora)."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = emails.enfileirar_email("primeiro_acesso", destinatario, CONTEXTO)
    assert len(callbacks) == 1
    return email


@pytest.fixture
def pendente(db, django_capture_on_commit_callbacks):
    return email_pendente(django_capture_on_commit_callbacks)


def status_de(email):
    email.refresh_from_db()
    return email.status


# --- Mesma transação da mudança; envio só depois do commit -------------------------------------


@pytest.mark.django_db(transaction=True)
def test_email_da_inscricao_nasce_na_mesma_transacao_e_so_e_enviado_depois_do_commit():
    with transaction.atomic():
        services.inscrever(
            cpf=cpf_aleatorio(),
            nome="Ana Beatriz Souza",
            email="ana@exemplo.com.br",
            telefone="31999990000",
        )
        email = EmailSaida.objects.get(destinatario="ana@exemplo.com.br")
        assert Usuario.objects.filter(email="ana@exemplo.com.br").exists()
        assert email.status == Status.PENDENTE
        assert mail.outbox == []  # ainda dentro da transação: nada saiu

    assert [m.to for m in mail.outbox] == [["ana@exemplo.com.br"]]
    assert status_de(email) == Status.ENVIADO


@pytest.mark.django_db(transaction=True)
def test_rollback_da_transacao_desfaz_o_email_e_nada_e_enviado():
    with pytest.raises(RuntimeError), transaction.atomic():
        services.inscrever(
            cpf=cpf_aleatorio(),
            nome="Ana Beatriz Souza",
            email="ana@exemplo.com.br",
            telefone="31999990000",
        )
        assert EmailSaida.objects.count() == 1
        raise RuntimeError("falha depois da inscrição, na mesma transação")

    assert not Usuario.objects.filter(email="ana@exemplo.com.br").exists()
    assert EmailSaida.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_falha_no_servico_depois_de_enfileirar_desfaz_email_e_link_e_nada_e_enviado():
    usuario = UsuarioFactory(pendente=True)
    tokens_antes = TokenAcesso.objects.filter(usuario=usuario).count()

    with (
        mock.patch.object(services, "registrar", side_effect=RuntimeError("auditoria fora")),
        pytest.raises(RuntimeError),
    ):
        services.reenviar_primeiro_acesso(usuario)

    assert EmailSaida.objects.count() == 0
    assert TokenAcesso.objects.filter(usuario=usuario).count() == tokens_antes
    assert mail.outbox == []


# --- Entrega idempotente ------------------------------------------------------------------------


def test_entregar_duas_vezes_envia_uma_so(pendente):
    assert emails.entregar(pendente.pk) is True
    assert emails.entregar(pendente.pk) is False

    assert len(mail.outbox) == 1
    pendente.refresh_from_db()
    assert pendente.status == Status.ENVIADO
    assert pendente.tentativas == 1
    assert pendente.enviado_em is not None


def test_task_enviar_email_duas_vezes_envia_uma_so(pendente):
    assert enviar_email.delay(pendente.pk).get() is True
    assert enviar_email.delay(pendente.pk).get() is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_entrega_concorrente_da_mesma_linha_pula_a_que_esta_em_envio_e_envia_uma_so(settings):
    """Task pós-commit e varredura pegando o mesmo e-mail ao mesmo tempo (dois workers)."""
    if connection.vendor != "postgresql":
        pytest.skip("trava de linha (SELECT ... FOR UPDATE SKIP LOCKED) só existe no PostgreSQL")
    settings.EMAIL_BACKEND = f"{__name__}.SMTPLento"
    SMTPLento.comecou.clear()
    SMTPLento.liberar.clear()
    with mock.patch.object(emails, "publicar_envio"), transaction.atomic():
        email = emails.enfileirar_email("primeiro_acesso", "ana@exemplo.com.br", CONTEXTO)
    resultado = []

    def primeiro_worker():
        try:
            resultado.append(emails.entregar(email.pk))
        finally:
            connections.close_all()

    worker = threading.Thread(target=primeiro_worker)
    worker.start()
    try:
        assert SMTPLento.comecou.wait(timeout=5), "o primeiro worker não chegou ao SMTP"
        # O segundo worker encontra a linha travada pelo primeiro e não a envia de novo.
        assert emails.entregar(email.pk) is False
        assert mail.outbox == []
    finally:
        SMTPLento.liberar.set()
        worker.join(timeout=10)

    assert resultado == [True]
    assert [m.to for m in mail.outbox] == [["ana@exemplo.com.br"]]
    email.refresh_from_db()
    assert (email.status, email.tentativas) == (Status.ENVIADO, 1)


def test_entregar_id_inexistente_nao_envia_nada(db):
    assert emails.entregar(999_999) is False
    assert mail.outbox == []


# --- SMTP fora do ar ----------------------------------------------------------------------------


def test_smtp_fora_do_ar_deixa_pendente_com_tentativa_e_erro_registrados(pendente, smtp_fora_do_ar):
    assert emails.entregar(pendente.pk) is False

    pendente.refresh_from_db()
    assert pendente.status == Status.PENDENTE
    assert pendente.tentativas == 1
    assert pendente.ultimo_erro  # o motivo fica para a equipe ver no admin
    assert pendente.enviado_em is None
    assert mail.outbox == []


def test_smtp_fora_por_horas_espera_cada_vez_mais_e_so_desiste_depois_de_24_h(
    pendente, smtp_fora_do_ar, time_machine
):
    """Espera exponencial (1, 2, 4… min, teto 6 h) com jitter; "falhou" só depois de 24 h."""
    t0 = pendente.created_at
    time_machine.move_to(pendente.proxima_tentativa_em, tick=False)
    esperas = []
    while True:
        assert emails.entregar(pendente.pk) is False
        # Antes da vez chegar, nenhuma task nem varredura tenta de novo.
        assert emails.entregar(pendente.pk) is False
        pendente.refresh_from_db()
        if pendente.status != Status.PENDENTE:
            break
        esperas.append(pendente.proxima_tentativa_em - timezone.now())
        time_machine.move_to(pendente.proxima_tentativa_em, tick=False)

    assert pendente.status == Status.FALHOU
    assert timezone.now() - t0 >= timedelta(hours=24)
    assert "Desistimos depois de" in pendente.ultimo_erro
    assert pendente.tentativas == len(esperas) + 1
    assert 8 <= pendente.tentativas <= 20  # horas de tentativas, não minutos
    assert timedelta(seconds=45) <= esperas[0] <= timedelta(seconds=75)
    assert max(esperas) <= settings.CAIXA_SAIDA_ESPERA_TETO
    assert max(esperas) >= timedelta(hours=4)
    # Nenhuma espera encolhe de uma tentativa para a seguinte além do jitter (±25 %), exceto a
    # última, encurtada para cair exatamente nas 24 h.
    assert all(b >= a * 0.6 for a, b in zip(esperas, esperas[1:-1], strict=False))
    assert pendente.created_at + settings.CAIXA_SAIDA_DESISTIR_APOS == timezone.now()

    # Desistimos: nem uma nova entrega nem a varredura mexem mais nele.
    time_machine.move_to(timezone.now() + timedelta(days=1), tick=False)
    assert emails.entregar(pendente.pk) is False
    assert pendente.pk not in emails.pendentes_para_varredura()


def chegar_a_vez(email):
    """A espera exponencial da linha acabou (sem esperar de verdade)."""
    EmailSaida.objects.filter(pk=email.pk).update(proxima_tentativa_em=timezone.now())


def test_smtp_volta_e_a_tentativa_seguinte_envia_e_limpa_o_erro(pendente, smtp_fora_do_ar):
    assert emails.entregar(pendente.pk) is False
    smtp_fora_do_ar.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert emails.entregar(pendente.pk) is False  # a vez dele ainda não chegou
    chegar_a_vez(pendente)

    assert emails.entregar(pendente.pk) is True

    pendente.refresh_from_db()
    assert (pendente.status, pendente.tentativas, pendente.ultimo_erro) == (Status.ENVIADO, 2, "")
    assert len(mail.outbox) == 1


def test_inscricao_com_smtp_fora_do_ar_conclui_e_deixa_o_email_pendente(
    client, db, smtp_fora_do_ar, django_capture_on_commit_callbacks
):
    email = "carla@exemplo.com.br"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        resposta = client.post(
            "/inscricao/",
            {
                "cpf": cpf_aleatorio(),
                "nome": "Carla Mendes Rocha",
                "email": email,
                "email_confirmacao": email,
                "telefone": "31999990000",
            },
        )

    assert resposta.status_code == 302
    assert resposta["Location"] == "/inscricao/enviada/"
    assert len(callbacks) == 1  # a publicação (eager) rodou e falhou no SMTP
    saida = EmailSaida.objects.get(destinatario=email)
    assert (saida.status, saida.tentativas) == (Status.PENDENTE, 1)
    assert saida.ultimo_erro
    assert mail.outbox == []


# --- Varredura ----------------------------------------------------------------------------------


def test_varredura_envia_so_os_pendentes_com_idade_minima(
    db, django_capture_on_commit_callbacks, time_machine
):
    t0 = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
    time_machine.move_to(t0, tick=False)
    antigo = email_pendente(django_capture_on_commit_callbacks, "antigo@exemplo.com.br")
    enviado = email_pendente(django_capture_on_commit_callbacks, "enviado@exemplo.com.br")
    assert emails.entregar(enviado.pk) is True
    falhou = email_pendente(django_capture_on_commit_callbacks, "falhou@exemplo.com.br")
    EmailSaida.objects.filter(pk=falhou.pk).update(status=Status.FALHOU, tentativas=10)
    time_machine.move_to(t0 + timedelta(seconds=20), tick=False)
    recente = email_pendente(django_capture_on_commit_callbacks, "recente@exemplo.com.br")
    mail.outbox.clear()

    time_machine.move_to(t0 + timedelta(seconds=29), tick=False)
    assert varrer_caixa_de_saida.delay().get() == 0
    assert mail.outbox == []

    time_machine.move_to(t0 + timedelta(seconds=31), tick=False)
    assert varrer_caixa_de_saida.delay().get() == 1
    assert [m.to for m in mail.outbox] == [["antigo@exemplo.com.br"]]
    assert (status_de(antigo), status_de(recente)) == (Status.ENVIADO, Status.PENDENTE)

    time_machine.move_to(t0 + timedelta(seconds=51), tick=False)
    assert varrer_caixa_de_saida.delay().get() == 1
    assert [m.to for m in mail.outbox] == [["antigo@exemplo.com.br"], ["recente@exemplo.com.br"]]
    assert status_de(falhou) == Status.FALHOU
    assert varrer_caixa_de_saida.delay().get() == 0
    assert len(mail.outbox) == 2


def test_varredura_com_smtp_fora_nao_queima_tentativas_nem_envia(
    db, django_capture_on_commit_callbacks, smtp_fora_do_ar, time_machine
):
    """A varredura abre a conexão antes de pegar linhas: servidor fora não conta tentativa."""
    t0 = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
    time_machine.move_to(t0, tick=False)
    a = email_pendente(django_capture_on_commit_callbacks, "a@exemplo.com.br")
    b = email_pendente(django_capture_on_commit_callbacks, "b@exemplo.com.br")
    time_machine.move_to(t0 + timedelta(minutes=1), tick=False)

    assert varrer_caixa_de_saida.delay().get() == 0

    for email in (a, b):
        email.refresh_from_db()
        assert (email.status, email.tentativas) == (Status.PENDENTE, 0)
    assert mail.outbox == []


# --- Reenviar -----------------------------------------------------------------------------------


def test_reenviar_cria_copia_pendente_enviada_depois_do_commit_e_mantem_o_original(
    pendente, django_capture_on_commit_callbacks
):
    assert emails.entregar(pendente.pk) is True
    pendente.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert emails.reenviar(pendente.pk) is True
    copia = EmailSaida.objects.exclude(pk=pendente.pk).get()
    assert copia.status == Status.PENDENTE
    assert copia.tentativas == 0
    assert (
        copia.evento,
        copia.destinatario,
        copia.assunto,
        copia.corpo_texto,
        copia.corpo_html,
    ) == (
        pendente.evento,
        pendente.destinatario,
        pendente.assunto,
        pendente.corpo_texto,
        pendente.corpo_html,
    )
    assert len(mail.outbox) == 1  # a cópia só sai depois do commit

    for callback in callbacks:
        callback()
    assert status_de(copia) == Status.ENVIADO
    assert len(mail.outbox) == 2
    original = EmailSaida.objects.get(pk=pendente.pk)
    assert (original.status, original.enviado_em) == (Status.ENVIADO, pendente.enviado_em)
    ids = [m.message()["Message-ID"] for m in mail.outbox]
    assert ids[0] != ids[1]


def test_reenviar_email_que_falhou_cria_copia_pendente(pendente, smtp_fora_do_ar):
    EmailSaida.objects.filter(pk=pendente.pk).update(status=Status.FALHOU, tentativas=10)

    assert emails.reenviar(pendente.pk) is True

    copia = EmailSaida.objects.exclude(pk=pendente.pk).get()
    assert (copia.status, copia.tentativas, copia.ultimo_erro) == (Status.PENDENTE, 0, "")
    assert status_de(pendente) == Status.FALHOU


def test_reenviar_recusa_email_ainda_pendente_e_id_inexistente(pendente):
    assert emails.reenviar(pendente.pk) is False
    assert emails.reenviar(999_999) is False
    assert EmailSaida.objects.count() == 1


# --- A mensagem ---------------------------------------------------------------------------------


def test_mensagem_enviada_tem_partes_texto_e_html_e_message_id_da_linha(pendente):
    assert emails.entregar(pendente.pk) is True

    (enviada,) = mail.outbox
    assert enviada.to == ["ana@exemplo.com.br"]
    assert enviada.from_email == settings.DEFAULT_FROM_EMAIL
    assert enviada.subject == pendente.assunto == "Portal CAGEC: ative sua conta"
    mime = enviada.message()
    assert mime.get_content_type() == "multipart/alternative"
    partes = {p.get_content_type(): p.get_payload(decode=True).decode() for p in mime.get_payload()}
    assert set(partes) == {"text/plain", "text/html"}
    assert partes["text/plain"] == pendente.corpo_texto
    assert "http://testserver/l/abc" in partes["text/plain"]
    assert partes["text/html"] == pendente.corpo_html
    assert "<p>Olá, Ana Beatriz Souza.</p>" in partes["text/html"]
    assert mime["Message-ID"] == f"<cagec-{pendente.pk}@testserver>"


def test_message_id_e_o_mesmo_quando_a_mesma_linha_e_entregue_de_novo(pendente, settings):
    """Se o SMTP aceitou mas a confirmação se perdeu, a nova tentativa leva o mesmo Message-ID
    (o servidor/cliente de e-mail do destinatário pode descartar a duplicata)."""
    settings.EMAIL_BACKEND = f"{__name__}.SMTPAceitaMasCaiAntesDaConfirmacao"
    assert emails.entregar(pendente.pk) is False
    assert (status_de(pendente), pendente.tentativas) == (Status.PENDENTE, 1)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    chegar_a_vez(pendente)
    assert emails.entregar(pendente.pk) is True

    primeira, segunda = mail.outbox
    assert primeira.message()["Message-ID"] == segunda.message()["Message-ID"]
    assert segunda.message()["Message-ID"] == f"<cagec-{pendente.pk}@testserver>"


# --- Em massa (avisos da rotina noturna) ---------------------------------------------------------
def _avisos(n):
    pessoas = [UsuarioFactory(aceitou_termo=True) for _ in range(n)]
    contexto = {"parceiro": "Associação Ação", "cnpj": "18.000.001/0001-00", "link": "http://x/"}
    return [("situacao_irregular", p.email, {**contexto, "nome": p.nome}, p) for p in pessoas]


@pytest.mark.django_db
def test_em_massa_grava_numa_consulta_e_publica_cada_um_depois_do_commit(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    mensagens = _avisos(3)
    with (
        mock.patch.object(emails, "publicar_envio", return_value=True) as publicar,
        django_capture_on_commit_callbacks(execute=True),
    ):
        with django_assert_num_queries(1):
            criados = emails.enfileirar_emails(mensagens)
        assert publicar.call_count == 0  # só depois do commit
    assert publicar.call_args_list == [mock.call(e.pk) for e in criados]
    for email, (_, destinatario, contexto, pessoa) in zip(criados, mensagens, strict=True):
        email.refresh_from_db()
        assert (email.destinatario, email.usuario, email.status) == (
            destinatario,
            pessoa,
            EmailSaida.Status.PENDENTE,
        )
        assert contexto["nome"] in email.corpo_texto and "Associação Ação" in email.corpo_html


@pytest.mark.django_db
def test_em_massa_com_a_fila_fora_para_no_primeiro_e_deixa_todos_para_a_varredura(
    django_capture_on_commit_callbacks,
):
    with (
        mock.patch.object(emails, "publicar_envio", return_value=False) as publicar,
        django_capture_on_commit_callbacks(execute=True),
    ):
        criados = emails.enfileirar_emails(_avisos(3))
    assert publicar.call_count == 1
    assert (
        EmailSaida.objects.filter(
            pk__in=[e.pk for e in criados], status=EmailSaida.Status.PENDENTE
        ).count()
        == 3
    )


@pytest.mark.django_db
def test_em_massa_sem_mensagens_nao_grava_nada(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert emails.enfileirar_emails([]) == []
