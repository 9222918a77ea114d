"""Publicar tarefas no Celery sem que a fila derrube o pedido do usuário.

Toda publicação feita por um pedido web ou por um serviço passa por ``publicar``: se o
broker estiver fora (ou congelado), a publicação falha depressa, fica no log e devolve
``False``. Quem publica escolhe uma tarefa cujo trabalho também é retomado pelo estado do
banco (varredura do beat): a fila acelera o trabalho, nunca é o único registro dele.
"""

import logging
from collections.abc import Sequence
from typing import Any

from celery import Task
from django.db import transaction

log = logging.getLogger(__name__)


def publicar(tarefa: Task, args: Sequence[Any] = (), **opcoes: Any) -> bool:
    """Publica ``tarefa(*args)``; ``False`` (e um aviso no log) se a fila não aceitou."""
    try:
        tarefa.apply_async(args=list(args), retry=False, **opcoes)
    except Exception:  # noqa: BLE001 — fila fora do ar: o estado no banco garante o trabalho
        log.warning("Fila indisponível; %s%s fica para a varredura", tarefa.name, list(args))
        return False
    return True


def publicar_depois_do_commit(tarefa: Task, args: Sequence[Any] = (), **opcoes: Any) -> None:
    """``publicar`` quando a transação atual confirmar (nunca antes dos dados existirem)."""
    transaction.on_commit(lambda: publicar(tarefa, args, **opcoes))
