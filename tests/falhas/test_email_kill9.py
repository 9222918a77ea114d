"""Linha da tabela: ``kill -9`` repetido em processos do pool do worker durante o envio.

Antes: 500 linhas → 501 mensagens (~1 duplicata a cada 10 mortes) e o admin mostrando 1
tentativa. Agora: a linha é reivindicada (COMMIT) antes do SMTP, a fase do DATA é gravada
antes do corpo e a reconciliação resolve o que ficou em *enviando*: sem corpo volta para a
fila; com corpo vai para *verificar* e a equipe decide pelo Message-ID.
"""

import time

import pytest

from cagec.core.models import EmailSaida

from ._email import (
    AMBIENTE_RAPIDO,
    conferir_exatamente_uma_vez,
    criar_emails,
    esperar_assentar,
    publicar_envios,
    resolver_como_operador,
)
from .equipamento import esperar

pytestmark = [pytest.mark.servicos, pytest.mark.django_db(transaction=True)]
LINHAS = 300


def test_kill_9_repetido_no_pool_durante_o_envio_entrega_cada_linha_uma_vez(
    worker_celery_processo, celery_no_redis, sink_smtp
):
    # Cada mensagem leva ~60 ms no servidor: as mortes caem no meio das conversas SMTP,
    # inclusive depois do corpo (o caso ambíguo).
    sink_smtp.atraso = 0.06
    sink_smtp.modo = "lento"
    # Como em produção: o worker dos envios (fila "emails") e, à parte, o da varredura com o
    # beat (o kill -9 do teste cai só nos processos do pool de envio).
    worker = worker_celery_processo(AMBIENTE_RAPIDO, concorrencia=2, filas=["emails"]).iniciar()
    worker_celery_processo(
        AMBIENTE_RAPIDO, concorrencia=1, filas=["varreduras"], beat=True
    ).iniciar()
    pks = criar_emails(LINHAS)
    publicar_envios(celery_no_redis, pks)

    mortes = 0
    limite = time.monotonic() + 30
    while sink_smtp.total < LINHAS * 0.8 and mortes < 30 and time.monotonic() < limite:
        time.sleep(0.35)
        if worker.filhos():
            worker.matar_filho()
            mortes += 1
    assert mortes >= 15, f"só {mortes} kill -9 durante o envio"

    sink_smtp.modo = "normal"  # o resto sai depressa
    # Reconciliação (CAIXA_SAIDA_RECONCILIAR_APOS=5 s) e varreduras do beat a cada 1 s.
    situacao = esperar_assentar(pks, timeout=25)
    confirmados, reenviados = resolver_como_operador(sink_smtp, pks)
    esperar_assentar(pks, timeout=10)

    conferir_exatamente_uma_vez(sink_smtp, pks)
    assert sink_smtp.total == LINHAS
    tentativas = list(EmailSaida.objects.filter(pk__in=pks).values_list("tentativas", flat=True))
    assert min(tentativas) >= 1
    # Tentativas contam envios reais: uma linha só passa de 1 se um envio foi interrompido.
    assert sum(tentativas) <= LINHAS + mortes
    assert worker.vivo
    print(  # noqa: T201 — o número medido vai para o relatório (pytest -s)
        f"\nkill -9: {mortes} mortes, {LINHAS} linhas → {sink_smtp.total} mensagens, "
        f"0 duplicatas; verificar={situacao.get('verificar', 0)} "
        f"(confirmados {confirmados}, reenviados {reenviados})"
    )
    esperar(lambda: worker.vivo, timeout=1)
