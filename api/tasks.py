"""Tarefas da API: recebem nada ou ids, só chamam os módulos de envio e de uso; idempotentes.

``entregar_webhooks`` é publicada depois do commit de cada mudança que gerou entregas; a
varredura do beat (``varrer_webhooks``, a cada minuto) reconcilia envios interrompidos e
envia o que a fila perdeu; ``dobrar_uso_das_chaves`` (a cada minuto) soma ao banco o uso
contado no Redis.
"""

from celery import shared_task
from django.conf import settings

from . import entregas, uso


@shared_task(
    name="api.tasks.entregar_webhooks",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    time_limit=settings.API_WEBHOOK_VARREDURA_LIMITE,
)
def entregar_webhooks() -> int:
    """Envia as entregas pendentes cuja vez chegou (cada uma reivindicada antes do POST)."""
    return entregas.entregar_pendentes()


@shared_task(
    name="api.tasks.varrer_webhooks",
    ignore_result=True,
    time_limit=settings.API_WEBHOOK_VARREDURA_LIMITE,
)
def varrer_webhooks() -> int:
    entregas.reconciliar()
    return entregas.entregar_pendentes()


@shared_task(name="api.tasks.dobrar_uso_das_chaves", ignore_result=True)
def dobrar_uso_das_chaves() -> int:
    return uso.dobrar()
