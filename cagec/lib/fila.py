"""Publicar tarefas no Celery sem que a fila derrube ou atrase o pedido do usuário.

Toda publicação feita por um pedido web ou por um serviço passa por ``publicar``: se o
broker estiver fora (ou congelado), a publicação falha depressa, fica no log e devolve
``False``. Quem publica escolhe uma tarefa cujo trabalho também é retomado pelo estado do
banco (varredura do beat): a fila acelera o trabalho, nunca é o único registro dele.

A publicação passa pelo mesmo disjuntor do cache (``cagec.lib.disjuntor``, um por servidor
Redis): depois de um tempo esgotado ou erro de conexão — do cache ou da própria fila — as
publicações da janela nem tentam o broker (o kombu tem tempos limite e pool próprios; sem o
disjuntor cada pedido esperaria o ``socket_timeout`` do transporte).
"""

import logging
from collections.abc import Sequence
from typing import Any

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from cagec.lib import disjuntor
from cagec.lib.disjuntor import Disjuntor

log = logging.getLogger(__name__)

FALHAS_DO_BROKER = (KombuOperationalError, RedisConnectionError, RedisTimeoutError, OSError)


def publicar(tarefa: Task, args: Sequence[Any] = (), **opcoes: Any) -> bool:
    """Publica ``tarefa(*args)``; ``False`` (e um aviso no log) se a fila não aceitou."""
    protecao = _disjuntor(tarefa)
    if protecao is not None and not protecao.permite():
        log.info("Fila em pausa (disjuntor aberto); %s%s fica para a varredura", tarefa.name, args)
        return False
    try:
        tarefa.apply_async(args=list(args), retry=False, **opcoes)
    except FALHAS_DO_BROKER as erro:
        if protecao is not None:
            protecao.falhou(erro)
        log.warning("Fila indisponível; %s%s fica para a varredura", tarefa.name, list(args))
        return False
    except Exception:  # noqa: BLE001 — a fila nunca derruba o pedido: o banco garante o trabalho
        log.exception("Publicação de %s%s falhou; fica para a varredura", tarefa.name, list(args))
        return False
    if protecao is not None:
        protecao.funcionou()
    return True


def publicar_depois_do_commit(tarefa: Task, args: Sequence[Any] = (), **opcoes: Any) -> None:
    """``publicar`` quando a transação atual confirmar (nunca antes dos dados existirem)."""
    transaction.on_commit(lambda: publicar(tarefa, args, **opcoes))


def _disjuntor(tarefa: Task) -> Disjuntor | None:
    """O disjuntor do broker Redis da tarefa; nenhum no modo eager ou com outro broker."""
    conf = tarefa.app.conf
    url = str(conf.broker_url or "")
    if conf.task_always_eager or not url.startswith(("redis://", "rediss://")):
        return None
    return disjuntor.do_redis(url)
