"""O equipamento dos testes de falha funciona: sink conta Message-IDs, proxy corta, worker roda."""

import smtplib
import socket
from email.message import EmailMessage

import pytest

from cagec.core.models import EmailSaida

from .equipamento import esperar

pytestmark = [pytest.mark.servicos, pytest.mark.django_db(transaction=True)]


def _mensagem(message_id):
    m = EmailMessage()
    m["From"] = "portal@testserver"
    m["To"] = "maria@exemplo.com.br"
    m["Subject"] = "Teste"
    m["Message-ID"] = message_id
    m.set_content("Olá")
    return m


def test_sink_conta_message_ids_e_recusa_no_modo_recusar(sink_smtp):
    with smtplib.SMTP("127.0.0.1", sink_smtp.porta, timeout=5) as smtp:
        smtp.send_message(_mensagem("<a@teste>"))
        smtp.send_message(_mensagem("<a@teste>"))
    assert sink_smtp.total == 2 and sink_smtp.duplicados() == {"<a@teste>": 2}

    sink_smtp.modo = "recusar"
    with (
        smtplib.SMTP("127.0.0.1", sink_smtp.porta, timeout=5) as smtp,
        pytest.raises(smtplib.SMTPRecipientsRefused),
    ):
        smtp.send_message(_mensagem("<b@teste>"))
    assert sink_smtp.total == 2


def test_sink_mudo_aceita_a_conexao_e_nao_responde(sink_smtp):
    sink_smtp.modo = "mudo"
    with pytest.raises((socket.timeout, smtplib.SMTPServerDisconnected)):
        smtplib.SMTP("127.0.0.1", sink_smtp.porta, timeout=1)
    sink_smtp.modo = "normal"
    with smtplib.SMTP("127.0.0.1", sink_smtp.porta, timeout=5) as smtp:
        smtp.send_message(_mensagem("<c@teste>"))
    assert sink_smtp.ids() == {"<c@teste>"}


def test_proxy_corta_e_religa(proxy_tcp, sink_smtp):
    proxy = proxy_tcp("127.0.0.1", sink_smtp.porta)
    with smtplib.SMTP("127.0.0.1", proxy.porta, timeout=5) as smtp:
        assert smtp.noop()[0] == 250
        proxy.cortar()
        with pytest.raises((smtplib.SMTPServerDisconnected, OSError)):
            smtp.noop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", proxy.porta), timeout=1)
    proxy.religar()
    with smtplib.SMTP("127.0.0.1", proxy.porta, timeout=5) as smtp:
        assert smtp.noop()[0] == 250


def test_worker_em_subprocesso_entrega_pelo_sink_e_morre_com_kill_9(
    worker_celery_processo, celery_no_redis, sink_smtp
):
    worker = worker_celery_processo(concorrencia=2).iniciar()
    assert len(worker.filhos()) == 2
    email = EmailSaida.objects.create(
        evento="teste",
        destinatario="maria@exemplo.com.br",
        assunto="Oi",
        corpo_texto="a",
        corpo_html="<p>a</p>",
    )
    celery_no_redis.send_task("accounts.tasks.enviar_email", args=[email.pk])
    esperar(lambda: sink_smtp.total == 1, descricao="o e-mail chegar ao sink")
    worker.matar()
    assert not worker.vivo
