"""Entrega exatamente uma vez contra um servidor SMTP de verdade no loopback (aiosmtpd).

O servidor guarda cada Message-ID assim que recebe o corpo inteiro, antes de responder: é o
que acontece num provedor que aceita a mensagem e cuja resposta se perde. Prazos encurtados
(``EMAIL_TIMEOUT`` e ``EMAIL_TIMEOUT_RESPOSTA_FINAL``) mantêm cada teste em segundos.
"""

import asyncio
import smtplib
import socket
import threading
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from django.db import OperationalError
from django.utils import timezone

from cagec.core.models import EmailSaida
from cagec.lib import caixa_saida, emails, entrega, smtp
from tests.servicos import porta_livre

Status = EmailSaida.Status
CONTEXTO = {"usuario": {"nome": "Ana Beatriz Souza"}, "link": "http://testserver/l/a", "horas": 48}


class Manipulador:
    def __init__(self):
        self.message_ids = Counter()
        self.atraso = 0.0
        self.codigo_rcpt = None
        self.codigo_data = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.codigo_rcpt:
            return self.codigo_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.codigo_data:
            return self.codigo_data
        self.message_ids[message_from_bytes(envelope.content)["Message-ID"]] += 1
        if self.atraso:
            await asyncio.sleep(self.atraso)
        return "250 Message accepted for delivery"


@pytest.fixture
def servidor_smtp(settings):
    manipulador = Manipulador()
    controlador = Controller(manipulador, hostname="127.0.0.1", port=porta_livre())
    controlador.start()
    settings.EMAIL_BACKEND = "cagec.lib.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controlador.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1
    settings.EMAIL_TIMEOUT_RESPOSTA_FINAL = 5
    try:
        yield manipulador
    finally:
        controlador.stop()


@pytest.fixture
def servidor_mudo(settings):
    """Aceita a conexão e nunca responde (nem a saudação)."""
    escuta = socket.create_server(("127.0.0.1", 0))
    presas = []

    def aceitar():
        while True:
            try:
                presas.append(escuta.accept()[0])
            except OSError:
                return

    threading.Thread(target=aceitar, daemon=True).start()
    settings.EMAIL_BACKEND = "cagec.lib.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = escuta.getsockname()[1]
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 1
    try:
        yield presas
    finally:
        escuta.close()
        for conexao in presas:
            conexao.close()


def pendente(destinatario="ana@exemplo.com.br"):
    with mock.patch.object(emails, "publicar_envio"):
        email = emails.enfileirar_email("primeiro_acesso", destinatario, CONTEXTO)
    return email


def recarregado(email):
    email.refresh_from_db()
    return email


pytestmark = pytest.mark.django_db


# --- Fases --------------------------------------------------------------------------------


def test_envio_normal_marca_a_fase_antes_do_corpo_e_sai_uma_vez_com_o_message_id_da_linha(
    servidor_smtp,
):
    email = pendente()

    assert entrega.entregar(email.pk) is True

    email = recarregado(email)
    assert (email.status, email.tentativas, email.ultimo_erro) == (Status.ENVIADO, 1, "")
    assert email.dados_em is not None and email.dados_em <= email.enviado_em
    assert email.reivindicado_em <= email.dados_em
    assert servidor_smtp.message_ids == Counter({email.message_id: 1})
    assert email.message_id == f"<cagec-{email.pk}@testserver>"


def test_confirmacao_depois_do_prazo_curto_e_dentro_do_prazo_da_resposta_final_e_enviado(
    servidor_smtp, settings
):
    """O caso da tabela (12 s contra 10 s), em escala: resposta em 2,5 s, prazo curto de 1 s."""
    servidor_smtp.atraso = 2.5
    email = pendente()

    assert entrega.entregar(email.pk) is True

    assert recarregado(email).status == Status.ENVIADO
    assert servidor_smtp.message_ids[email.message_id] == 1


def test_timeout_depois_do_corpo_nao_e_recusa_vai_para_verificar_e_nao_e_reenviado(
    servidor_smtp, settings, time_machine
):
    servidor_smtp.atraso = 3
    settings.EMAIL_TIMEOUT_RESPOSTA_FINAL = 0.5
    email = pendente()

    assert entrega.entregar(email.pk) is False

    email = recarregado(email)
    assert (email.status, email.tentativas) == (Status.VERIFICAR, 1)
    assert "EntregaIncerta" in email.ultimo_erro
    assert email.dados_em is not None
    # Nem a task de novo, nem a varredura um dia depois: a equipe decide.
    time_machine.move_to(timezone.now() + timedelta(days=1))
    assert entrega.entregar(email.pk) is False
    assert email.pk not in entrega.pendentes_para_varredura()
    assert caixa_saida.varrer().tentados == 0
    assert servidor_smtp.message_ids[email.message_id] == 1


def test_provedor_que_deduplica_message_id_timeout_depois_do_corpo_volta_para_a_fila(
    servidor_smtp, settings
):
    servidor_smtp.atraso = 3
    settings.EMAIL_TIMEOUT_RESPOSTA_FINAL = 0.5
    settings.EMAIL_PROVEDOR_DEDUPLICA_MESSAGE_ID = True
    email = pendente()

    assert entrega.entregar(email.pk) is False

    email = recarregado(email)
    assert (email.status, email.tentativas) == (Status.PENDENTE, 1)
    assert email.proxima_tentativa_em > timezone.now()


def test_banco_fora_ao_marcar_a_fase_aborta_antes_do_corpo_e_nada_chega(servidor_smtp):
    email = pendente()
    with mock.patch.object(
        entrega, "_marcar_corpo", side_effect=OperationalError("conexão com o banco caiu")
    ):
        assert entrega.entregar(email.pk) is False

    assert servidor_smtp.message_ids == Counter()
    email = recarregado(email)
    assert (email.status, email.tentativas, email.dados_em) == (Status.PENDENTE, 1, None)


def test_destinatario_recusado_5xx_falha_na_hora_com_o_motivo(servidor_smtp):
    servidor_smtp.codigo_rcpt = "550 5.1.1 Mailbox does not exist"
    email = pendente()

    assert entrega.entregar(email.pk) is False

    email = recarregado(email)
    assert (email.status, email.tentativas) == (Status.FALHOU, 1)
    assert "Mailbox does not exist" in email.ultimo_erro


def test_destinatario_recusado_4xx_tenta_de_novo_mais_tarde(servidor_smtp):
    servidor_smtp.codigo_rcpt = "451 4.3.0 Try again later"
    email = pendente()

    assert entrega.entregar(email.pk) is False

    email = recarregado(email)
    assert (email.status, email.tentativas) == (Status.PENDENTE, 1)
    assert timedelta(seconds=40) < email.proxima_tentativa_em - timezone.now() < timedelta(90)


def test_servidor_mudo_e_percebido_no_prazo_curto_e_fica_para_depois(servidor_mudo):
    email = pendente()
    inicio = time.monotonic()

    assert entrega.entregar(email.pk) is False

    assert time.monotonic() - inicio < 5
    email = recarregado(email)
    assert (email.status, email.tentativas, email.dados_em) == (Status.PENDENTE, 1, None)


# --- Varredura ----------------------------------------------------------------------------


def envelhecidos(quantos):
    criados = [pendente(f"p{i}@exemplo.com.br") for i in range(quantos)]
    antes = timezone.now() - timedelta(minutes=5)
    EmailSaida.objects.filter(pk__in=[e.pk for e in criados]).update(
        created_at=antes, proxima_tentativa_em=antes
    )
    return criados


def test_varredura_envia_um_lote_por_uma_conexao(servidor_smtp):
    criados = envelhecidos(5)
    with mock.patch.object(
        smtp.SMTPComFases, "connect", autospec=True, side_effect=smtp.SMTPComFases.connect
    ) as conectar:
        resumo = caixa_saida.varrer()

    assert (resumo.executou, resumo.enviados, resumo.tentados) == (True, 5, 5)
    assert conectar.call_count == 1
    assert sorted(servidor_smtp.message_ids) == sorted(e.message_id for e in criados)
    assert set(servidor_smtp.message_ids.values()) == {1}


def test_varredura_com_servidor_mudo_para_no_prazo_curto_sem_queimar_tentativas(servidor_mudo):
    criados = envelhecidos(20)
    inicio = time.monotonic()

    resumo = caixa_saida.varrer()

    assert time.monotonic() - inicio < 5
    assert (resumo.enviados, resumo.tentados) == (0, 0)
    assert "SMTP indisponível" in resumo.motivo_da_parada
    assert set(
        EmailSaida.objects.filter(pk__in=[e.pk for e in criados]).values_list(
            "status", "tentativas"
        )
    ) == {(Status.PENDENTE, 0)}


def test_varredura_respeita_o_orcamento_de_tempo(servidor_smtp):
    servidor_smtp.atraso = 0.4
    envelhecidos(10)

    inicio = time.monotonic()
    resumo = caixa_saida.varrer(orcamento=timedelta(seconds=1))

    assert time.monotonic() - inicio < 3
    assert 1 <= resumo.enviados < 10
    assert resumo.motivo_da_parada == "orçamento de tempo esgotado"
    assert EmailSaida.objects.filter(status=Status.ENVIANDO).count() == 0


def test_varredura_para_no_primeiro_erro_de_conexao_no_meio_do_lote(servidor_smtp):
    envelhecidos(4)
    original = smtp.SMTPComFases.data
    chamadas = []

    def cai_na_segunda(self, msg):
        chamadas.append(1)
        if len(chamadas) == 2:
            self.close()
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return original(self, msg)

    with mock.patch.object(smtp.SMTPComFases, "data", cai_na_segunda):
        resumo = caixa_saida.varrer()

    assert (resumo.enviados, resumo.tentados) == (1, 2)
    contagem = Counter(EmailSaida.objects.values_list("status", "tentativas"))
    assert contagem == Counter(
        {(Status.ENVIADO, 1): 1, (Status.PENDENTE, 1): 1, (Status.PENDENTE, 0): 2}
    )
