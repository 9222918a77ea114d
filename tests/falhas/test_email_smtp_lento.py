"""Linha da tabela: o SMTP confirma depois do timeout do cliente (12 s contra 10 s).

Antes: 3 linhas → 9 cópias em 2,5 min, indo para 10 e depois "falhou" apesar de entregues.
Agora: conexão e comandos têm o prazo curto (``EMAIL_TIMEOUT``, 10 s), mas a resposta final
ao DATA espera ``EMAIL_TIMEOUT_RESPOSTA_FINAL`` (120 s); e se nem esse prazo bastar, o envio
é incerto (*verificar*), nunca recusa nem reenvio às cegas.
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
    situacoes,
)
from .equipamento import esperar

pytestmark = [pytest.mark.servicos, pytest.mark.django_db(transaction=True)]
Status = EmailSaida.Status


def test_smtp_que_confirma_em_12_s_com_timeout_de_10_s_recebe_uma_copia_de_cada(
    worker_celery_processo, celery_no_redis, sink_smtp
):
    sink_smtp.atraso = 12
    sink_smtp.modo = "lento"
    # Prazos de produção no envio (10 s curto, 120 s na resposta final); varredura a cada 1 s.
    # A reconciliação fica acima da duração de um envio, como em produção (10 min > 300 s).
    ambiente = {**AMBIENTE_RAPIDO, "EMAIL_TIMEOUT": "10", "CAIXA_SAIDA_RECONCILIAR_APOS": "60"}
    worker_celery_processo(ambiente, concorrencia=3, filas=["emails"]).iniciar()
    worker_celery_processo(ambiente, concorrencia=1, filas=["varreduras"], beat=True).iniciar()
    pks = criar_emails(3)
    inicio = time.monotonic()
    publicar_envios(celery_no_redis, pks)

    assert esperar_assentar(pks, timeout=40) == {Status.ENVIADO: 3}
    duracao = time.monotonic() - inicio

    conferir_exatamente_uma_vez(sink_smtp, pks)
    assert sink_smtp.total == 3
    assert set(EmailSaida.objects.filter(pk__in=pks).values_list("tentativas", flat=True)) == {1}
    assert 12 <= duracao < 40
    print(
        f"\nSMTP lento (12 s, timeout 10 s): 3 linhas → {sink_smtp.total} cópias em {duracao:.1f} s"
    )  # noqa: T201


def test_resposta_final_alem_do_prazo_vai_para_verificar_sem_reenvio_e_o_operador_fecha(
    worker_celery_processo, celery_no_redis, sink_smtp
):
    sink_smtp.atraso = 12
    sink_smtp.modo = "lento"
    ambiente = {**AMBIENTE_RAPIDO, "EMAIL_TIMEOUT_RESPOSTA_FINAL": "3"}
    worker_celery_processo(ambiente, concorrencia=3, filas=["emails"]).iniciar()
    varredor = worker_celery_processo(
        ambiente, concorrencia=1, filas=["varreduras"], beat=True
    ).iniciar()
    pks = criar_emails(3)
    publicar_envios(celery_no_redis, pks)

    assert esperar_assentar(pks, timeout=30) == {Status.VERIFICAR: 3}
    # Mais três varreduras completas (beat a cada 1 s) depois disso: nenhuma reenvia.
    feitas = varredor.log().count("varredura terminou")
    esperar(
        lambda: varredor.log().count("varredura terminou") >= feitas + 3,
        timeout=20,
        descricao="mais três varreduras",
    )
    assert situacoes(pks) == {Status.VERIFICAR: 3}
    assert sink_smtp.total == 3 and sink_smtp.duplicados() == {}
    linhas = EmailSaida.objects.filter(pk__in=pks)
    assert all("EntregaIncerta" in e.ultimo_erro and e.tentativas == 1 for e in linhas)

    assert resolver_como_operador(sink_smtp, pks) == (3, 0)
    conferir_exatamente_uma_vez(sink_smtp, pks)
