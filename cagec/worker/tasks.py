"""Tarefa do batimento (agendada pelo beat a cada minuto)."""

from typing import Any

from celery import shared_task

from . import batimento


@shared_task(bind=True, ignore_result=True, acks_late=False)
def bater(self: Any) -> None:
    """Carimba o batimento do worker que executou (``cagec.worker.batimento``)."""
    batimento.bater(self.request.hostname or "desconhecido")
