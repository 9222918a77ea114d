"""Caixa de saída contra falhas reais da fila: um ``redis-server`` descartável e um worker Celery.

O Redis é parado de verdade (processo encerrado, porta recusando conexões) e depois volta; o
worker é o do Celery, numa thread, com conexão própria ao banco (daí ``transaction=True``).

No SQLite de testes (em memória, cache compartilhado) duas conexões que se cruzam numa tabela
recebem "database table is locked" na hora, sem esperar; por isso o teste só consulta o banco
quando o worker está parado ou ocioso (depois do sinal ``task_postrun`` da task esperada).
"""

import logging
import runpy
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.db.models import F

from accounts import services
from accounts.models import Usuario
from cagec import settings as cagec_settings
from cagec.core.models import EmailSaida
from cagec.core.tasks import enviar_email, varrer_caixa_de_saida
from tests.factories import cpf_aleatorio

pytestmark = [pytest.mark.servicos, pytest.mark.django_db(transaction=True)]

ENVIAR = enviar_email.name
VARRER = varrer_caixa_de_saida.name
IDADE_PARA_VARREDURA = timedelta(seconds=31)  # a varredura só pega o que tem ≥ 30 s


def dados_inscricao(email):
    return {
        "cpf": cpf_aleatorio(),
        "nome": "Maria da Conceição Souza",
        "email": email,
        "email_confirmacao": email,
        "telefone": "(31) 99999-0000",
    }


def inscrever_pela_view(client, email):
    dados = dados_inscricao(email)
    inicio = time.monotonic()
    resposta = client.post("/inscricao/", dados)
    duracao = time.monotonic() - inicio
    return resposta, duracao, dados


def envelhecer(email_saida, idade=IDADE_PARA_VARREDURA):
    """O e-mail passou ``idade`` na caixa de saída sem ninguém entregá-lo."""
    EmailSaida.objects.filter(pk=email_saida.pk).update(created_at=F("created_at") - idade)


def settings_com_redis(monkeypatch, url):
    """O que cagec/settings.py produz com ``REDIS_URL=url`` (sem mexer nas configurações atuais)."""
    monkeypatch.setenv("REDIS_URL", url)
    return runpy.run_path(cagec_settings.__file__, run_name="cagec_settings_com_redis")


def mensagens_para(destinatario):
    return [m for m in mail.outbox if destinatario in m.to]


def test_inscricao_com_redis_parado_responde_rapido_e_deixa_email_pendente(
    client, redis_descartavel, celery_no_redis, caplog
):
    redis_descartavel.parar()
    assert not redis_descartavel.responde()

    with caplog.at_level(logging.WARNING, logger="cagec.lib.emails"):
        resposta, duracao, dados = inscrever_pela_view(client, "maria.parado@exemplo.com.br")

    assert resposta.status_code == 302
    assert resposta["Location"] == "/inscricao/enviada/"
    assert duracao < 3, f"a inscrição levou {duracao:.2f} s com o Redis fora do ar"
    usuario = Usuario.objects.get(cpf=dados["cpf"])
    email = EmailSaida.objects.get(destinatario="maria.parado@exemplo.com.br")
    assert email.usuario == usuario
    assert email.evento == "primeiro_acesso"
    assert email.status == EmailSaida.Status.PENDENTE
    assert email.tentativas == 0
    assert mail.outbox == []
    # A publicação foi tentada e falhou (não foi o modo eager nem a ausência de publicação).
    assert any("Fila indisponível" in r.getMessage() for r in caplog.records)


def test_inscricao_com_o_redis_de_cache_e_fila_fora_do_ar_ainda_responde_e_deixa_pendente(
    client, redis_descartavel, celery_no_redis, settings, monkeypatch
):
    # Como em produção: o que cagec/settings.py monta quando REDIS_URL aponta para este Redis
    # (um Redis só para cache, sessões e fila).
    producao = settings_com_redis(monkeypatch, redis_descartavel.url)
    for nome, valor in producao.items():
        if nome in ("CACHES", "SESSION_ENGINE") or nome.startswith("RATELIMIT_"):
            setattr(settings, nome, valor)
    assert "redis" in settings.CACHES["default"]["BACKEND"].lower()
    redis_descartavel.parar()

    resposta, duracao, _ = inscrever_pela_view(client, "lucia.cache@exemplo.com.br")

    assert resposta.status_code == 302
    assert duracao < 3
    email = EmailSaida.objects.get(destinatario="lucia.cache@exemplo.com.br")
    assert email.status == EmailSaida.Status.PENDENTE


def test_redis_volta_e_a_varredura_no_worker_entrega_o_pendente_uma_unica_vez(
    client, redis_descartavel, worker_celery, tarefas_concluidas
):
    redis_descartavel.parar()
    resposta, _, _ = inscrever_pela_view(client, "joana.volta@exemplo.com.br")
    assert resposta.status_code == 302
    email = EmailSaida.objects.get(destinatario="joana.volta@exemplo.com.br")
    assert email.status == EmailSaida.Status.PENDENTE

    redis_descartavel.iniciar()
    with worker_celery():
        # Recém-criado (< 30 s): a varredura ainda não mexe nele (o envio pós-commit pode
        # estar a caminho).
        varrer_caixa_de_saida.delay()
        assert [t[2] for t in tarefas_concluidas.esperar(VARRER, 1)] == [0]
        email.refresh_from_db()
        assert email.status == EmailSaida.Status.PENDENTE
        assert mail.outbox == []

        envelhecer(email)
        varrer_caixa_de_saida.delay()
        tarefas_concluidas.esperar(VARRER, 2)
        email.refresh_from_db()
        assert email.status == EmailSaida.Status.ENVIADO
        assert email.tentativas == 1
        assert email.enviado_em is not None
        entregues = mensagens_para("joana.volta@exemplo.com.br")
        assert len(entregues) == 1
        assert entregues[0].subject == email.assunto

        # Varredura e task de novo (ex.: beat no minuto seguinte, mensagem reentregue).
        varrer_caixa_de_saida.delay()
        enviar_email.delay(email.pk)
        assert [t[2] for t in tarefas_concluidas.esperar(VARRER, 3)][-1] == 0
        assert [t[2] for t in tarefas_concluidas.esperar(ENVIAR, 1)] == [False]

    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.status == EmailSaida.Status.ENVIADO
    assert email.tentativas == 1


def test_redis_volta_e_a_proxima_inscricao_e_publicada_na_fila_sem_esperar_a_varredura(
    client, redis_descartavel, worker_celery, tarefas_concluidas
):
    """O processo web reconecta sozinho ao broker depois da queda (sem reiniciar)."""
    redis_descartavel.parar()
    resposta, _, _ = inscrever_pela_view(client, "antes.queda@exemplo.com.br")
    assert resposta.status_code == 302

    redis_descartavel.iniciar()
    resposta, duracao, _ = inscrever_pela_view(client, "depois.volta@exemplo.com.br")
    assert resposta.status_code == 302
    assert duracao < 3
    email = EmailSaida.objects.get(destinatario="depois.volta@exemplo.com.br")
    # A task foi publicada no Redis durante o pedido (o worker só sobe depois, de propósito:
    # assim o teste e o worker não disputam o banco).
    assert redis_descartavel.cliente().llen("emails") == 1

    with worker_celery():
        assert tarefas_concluidas.esperar(ENVIAR, 1) == [(ENVIAR, (email.pk,), True, "SUCCESS")]

    email.refresh_from_db()
    assert email.status == EmailSaida.Status.ENVIADO
    assert [m.to for m in mail.outbox] == [["depois.volta@exemplo.com.br"]]
    # O da queda continua pendente, à espera da varredura.
    pendente = EmailSaida.objects.get(destinatario="antes.queda@exemplo.com.br")
    assert pendente.status == EmailSaida.Status.PENDENTE


def test_task_de_envio_publicada_duas_vezes_envia_uma_so_pelo_worker(
    redis_descartavel, worker_celery, tarefas_concluidas, esperar
):
    # A inscrição publica a task no commit; a mesma task é publicada de novo (reentrega).
    services.inscrever(
        cpf=cpf_aleatorio(),
        nome="Paulo Henrique Lima",
        email="paulo.duplo@exemplo.com.br",
        telefone="31988887777",
    )
    email = EmailSaida.objects.get(destinatario="paulo.duplo@exemplo.com.br")
    with transaction.atomic():
        transaction.on_commit(lambda: enviar_email.delay(email.pk))
    redis = redis_descartavel.cliente()
    assert redis.llen("emails") == 2  # as duas esperam na fila antes de o worker subir

    with worker_celery():
        concluidas = tarefas_concluidas.esperar(ENVIAR, 2)
        # acks_late: a mensagem só sai do Redis depois de a task terminar.
        esperar(
            lambda: redis.llen("emails") == 0 and redis.hlen("unacked") == 0,
            descricao="as duas mensagens confirmadas (ack) no Redis",
        )

    assert [(args, retval) for _, args, retval, _ in concluidas] == [
        ((email.pk,), True),
        ((email.pk,), False),
    ]
    assert len(mensagens_para("paulo.duplo@exemplo.com.br")) == 1
    email.refresh_from_db()
    assert email.status == EmailSaida.Status.ENVIADO
    assert email.tentativas == 1
