"""``kill -9`` repetido nos processos do pool do worker durante as entregas de webhook.

Cada entrega é reivindicada (COMMIT) antes do POST; o que fica *enviando* com o worker morto
volta a *pendente* pela varredura do beat (``API_WEBHOOK_RECONCILIAR_APOS``) e sai de novo com
o mesmo ``X-Cagec-Entrega``. Nenhuma se perde; uma repetição (o mesmo id) só acontece quando a
morte cai entre o POST e a gravação de *entregue*, no máximo uma por morte.
"""

import time
from collections import Counter

import pytest

from api import services
from api.models import EntregaWebhook
from tests.api.apoio import Receptor, nova_chave

from .equipamento import esperar

pytestmark = [pytest.mark.servicos, pytest.mark.django_db(transaction=True)]
ENTREGAS = 120
AMBIENTE = {
    "API_WEBHOOK_PERMITIR_REDE_LOCAL": "true",  # o receptor do teste está no loopback
    "API_WEBHOOK_RECONCILIAR_APOS": "3",
    "API_WEBHOOK_ESPERA_BASE": "1",
    "API_WEBHOOK_ESPERA_TETO": "2",
    "FILA_INTERVALO_SEGUNDOS": "1",
}


@pytest.fixture
def receptor_lento():
    servidor = Receptor(atraso=0.05)
    yield servidor
    servidor.fechar()


def _criar_entregas(parceiro, webhook):
    comum = {"evento": "parceiro.situacao_alterada", "cnpj": parceiro.cnpj, "versao": 1}
    comum |= {"situacao_anterior": "regular", "situacao": "irregular"}
    comum |= {"cadin_bloqueado": False, "siafi_bloqueado": False}
    linhas = [
        EntregaWebhook(webhook=webhook, parceiro=parceiro, ocorrido_em=parceiro.created_at, **comum)
        for _ in range(ENTREGAS)
    ]
    return [e.pk for e in EntregaWebhook.objects.bulk_create(linhas)]


def test_kill_9_no_pool_durante_as_entregas_nada_se_perde(
    worker_celery_processo, celery_no_redis, receptor_lento, parceiro
):
    chave, _ = nova_chave()
    webhook, _ = services.cadastrar_webhook(chave, receptor_lento.url)
    pks = _criar_entregas(parceiro, webhook)
    # Como em produção: o worker das entregas (fila "celery", onde caem as mortes) e, à parte,
    # o da varredura com o beat (um kill -9 no processo do beat pararia a reconciliação).
    worker = worker_celery_processo(AMBIENTE, concorrencia=2, filas=["celery"]).iniciar()
    worker_celery_processo(AMBIENTE, concorrencia=1, filas=["varreduras"], beat=True).iniciar()
    for _ in range(4):
        celery_no_redis.send_task("api.tasks.entregar_webhooks")

    mortes = 0
    limite = time.monotonic() + 20
    while len(receptor_lento.recebidos) < ENTREGAS * 0.7 and time.monotonic() < limite:
        time.sleep(0.4)
        if worker.filhos() and mortes < 12:
            worker.matar_filho()
            mortes += 1
    assert mortes >= 5, f"só {mortes} kill -9 durante as entregas"

    pendentes = EntregaWebhook.objects.filter(pk__in=pks).exclude(status="entregue")
    esperar(lambda: not pendentes.exists(), timeout=40, descricao="todas as entregas saírem")
    ids = Counter(pedido.cabecalhos["X-Cagec-Entrega"] for pedido in receptor_lento.recebidos)
    assert set(ids) == {str(pk) for pk in pks}  # nenhuma se perdeu
    repetidas = sum(vezes - 1 for vezes in ids.values())
    assert repetidas <= mortes
    assert worker.vivo
    print(  # noqa: T201 — o número medido vai para o relatório (pytest -s)
        f"\nwebhooks kill -9: {mortes} mortes, {ENTREGAS} entregas → "
        f"{len(receptor_lento.recebidos)} POSTs, {repetidas} repetidas (mesmo id)"
    )
