"""Batimento do worker e a verificação ``worker`` da prontidão.

A tarefa ``cagec.worker.tasks.bater`` vai do beat (a cada minuto) ao broker e a um worker,
que grava a hora no banco. Um batimento recente prova a cadeia inteira: beat agendando,
broker entregando, worker consumindo e falando com o banco. Sem batimento há mais de
``WORKER_BATIMENTO_ATENCAO``: ``atencao``; há mais de ``WORKER_BATIMENTO_FALHA``: ``falha``
(a prontidão responde 503). No modo embutido (Celery eager, sem Redis) não há worker:
``nao_configurado``.
"""

from datetime import datetime

from django.conf import settings
from django.db.models import F, Max
from django.utils import timezone

from cagec.lib.saude import Resultado

from .models import BatimentoWorker


def bater(hostname: str, agora: datetime | None = None) -> None:
    """Grava o batimento deste worker (uma linha por worker)."""
    agora = agora or timezone.now()
    atualizados = BatimentoWorker.objects.filter(hostname=hostname).update(
        em=agora, batimentos=F("batimentos") + 1
    )
    if not atualizados:
        BatimentoWorker.objects.get_or_create(
            hostname=hostname, defaults={"em": agora, "batimentos": 1}
        )


def verificar(agora: datetime | None = None) -> Resultado:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return Resultado("nao_configurado")
    agora = agora or timezone.now()
    ultimo = BatimentoWorker.objects.aggregate(ultimo=Max("em"))["ultimo"]
    if ultimo is None:
        return Resultado("atencao", {"ultimo_batimento": None, "motivo": "nenhum batimento"})
    idade = max((agora - ultimo).total_seconds(), 0.0)
    detalhe = {"ultimo_batimento": ultimo.isoformat(), "segundos": round(idade)}
    if idade > settings.WORKER_BATIMENTO_FALHA.total_seconds():
        return Resultado("falha", detalhe)
    if idade > settings.WORKER_BATIMENTO_ATENCAO.total_seconds():
        return Resultado("atencao", detalhe)
    return Resultado("ok", detalhe)
