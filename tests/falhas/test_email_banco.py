"""Linha da tabela: PostgreSQL parado logo depois de o SMTP aceitar a mensagem.

Antes: 1 duplicata (a linha continuava "pendente" e saía de novo). Agora o worker insiste em
gravar "enviado" (``CAIXA_SAIDA_INSISTIR_NO_BANCO``) reabrindo a conexão; se o banco ficar
fora por mais tempo, a linha fica *enviando* com a fase do corpo gravada e a reconciliação a
leva a *verificar* — nunca um reenvio às cegas.

O worker fala com o banco por um ``ProxyTCP``; o teste corta o proxy quando o sink já tem a
mensagem e ainda não respondeu (modo lento), isto é, logo antes do 250.
"""

import pytest
from django.db import connection

from cagec.core.models import EmailSaida

from ._email import (
    AMBIENTE_RAPIDO,
    conferir_exatamente_uma_vez,
    criar_emails,
    esperar_assentar,
    publicar_envios,
    resolver_como_operador,
)
from .equipamento import esperar, trocar_porta

pytestmark = [pytest.mark.servicos, pytest.mark.django_db(transaction=True)]
Status = EmailSaida.Status


def _worker_pelo_proxy(worker_celery_processo, banco_compartilhado, proxy_tcp, extra):
    d = connection.settings_dict
    proxy = proxy_tcp(d["HOST"] or "127.0.0.1", int(d["PORT"] or 5432))
    banco = trocar_porta(banco_compartilhado, proxy.porta)
    ambiente = {**AMBIENTE_RAPIDO, **extra}
    worker = worker_celery_processo(ambiente, concorrencia=1, filas=["emails"], banco_url=banco)
    return proxy, worker.iniciar(), ambiente


def _cortar_logo_depois_do_aceite(sink, proxy, quantos):
    esperar(lambda: sink.total >= quantos, timeout=20, descricao="o sink receber o corpo")
    proxy.cortar()  # o 250 ainda não saiu (sink lento): chega com o banco fora


def test_banco_cai_depois_do_aceite_e_volta_em_segundos_grava_enviado_sem_reenviar(
    worker_celery_processo, banco_compartilhado, proxy_tcp, celery_no_redis, sink_smtp
):
    sink_smtp.atraso = 1
    sink_smtp.modo = "lento"
    proxy, worker, _ = _worker_pelo_proxy(
        worker_celery_processo,
        banco_compartilhado,
        proxy_tcp,
        {"CAIXA_SAIDA_INSISTIR_NO_BANCO": "30"},
    )
    (pk,) = criar_emails(1)
    publicar_envios(celery_no_redis, [pk])

    _cortar_logo_depois_do_aceite(sink_smtp, proxy, 1)
    # O 250 chega com o banco fora: o worker insiste (duas tentativas no log) e o banco volta.
    esperar(
        lambda: worker.log().count("banco fora ao marcar o e-mail") >= 2,
        timeout=15,
        descricao="o worker insistir em gravar enviado com o banco fora",
    )
    assert EmailSaida.objects.get(pk=pk).status == Status.ENVIANDO
    proxy.religar()

    assert esperar_assentar([pk], timeout=30) == {Status.ENVIADO: 1}
    conferir_exatamente_uma_vez(sink_smtp, [pk])
    assert EmailSaida.objects.get(pk=pk).tentativas == 1


def test_banco_fora_mais_que_a_insistencia_vai_para_verificar_e_o_operador_fecha(
    worker_celery_processo, banco_compartilhado, proxy_tcp, celery_no_redis, sink_smtp
):
    sink_smtp.atraso = 1
    sink_smtp.modo = "lento"
    proxy, _, ambiente = _worker_pelo_proxy(
        worker_celery_processo,
        banco_compartilhado,
        proxy_tcp,
        {"CAIXA_SAIDA_INSISTIR_NO_BANCO": "2"},
    )
    # A varredura (com a reconciliação) roda num worker com acesso direto ao banco.
    worker_celery_processo(ambiente, concorrencia=1, filas=["varreduras"], beat=True).iniciar()
    pks = criar_emails(1)
    publicar_envios(celery_no_redis, pks)

    _cortar_logo_depois_do_aceite(sink_smtp, proxy, 1)
    # O worker desiste de gravar (2 s); a linha fica "enviando" com o corpo marcado e a
    # reconciliação (5 s) a leva para "verificar" — sem reenviar.
    assert esperar_assentar(pks, timeout=30) == {Status.VERIFICAR: 1}
    proxy.religar()
    assert sink_smtp.total == 1

    assert resolver_como_operador(sink_smtp, pks) == (1, 0)
    conferir_exatamente_uma_vez(sink_smtp, pks)
