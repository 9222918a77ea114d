"""Fixtures da caixa de saída: SMTP fora do ar, Redis descartável e worker Celery de verdade.

* ``redis_descartavel`` (plugin ``tests/servicos.py``): um ``redis-server`` só deste teste,
  numa porta livre do loopback, sem persistência; ``parar()``/``iniciar()`` simulam a
  queda e a volta da fila (sem o binário: pulado, ou falha com ``CI``).
* ``celery_no_redis``: o app Celery do projeto apontado para esse Redis, sem modo eager;
  a configuração e as conexões em cache são restauradas no fim.
* ``worker_celery``: um worker real (``start_worker``) numa thread deste processo.
"""

import threading
from contextlib import contextmanager

import pytest
from celery import signals

from tests.servicos import esperar, porta_livre

# --- SMTP fora do ar -------------------------------------------------------------------------


@pytest.fixture
def smtp_fora_do_ar(settings):
    """O backend SMTP real do Django apontado para uma porta onde ninguém escuta."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = porta_livre()
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1
    return settings


class TarefasConcluidas:
    """O que o worker terminou de rodar (sinal ``task_postrun``), na ordem."""

    def __init__(self):
        self._lock = threading.Lock()
        self.lista = []

    def __call__(
        self, sender=None, task_id=None, task=None, args=None, retval=None, state=None, **_
    ):
        with self._lock:
            self.lista.append((task.name, tuple(args or ()), retval, state))

    def de(self, nome):
        with self._lock:
            return [t for t in self.lista if t[0] == nome]

    def esperar(self, nome, quantas, timeout=10.0):
        return esperar(
            lambda: len(self.de(nome)) >= quantas and self.de(nome),
            timeout=timeout,
            descricao=f"{quantas} execução(ões) de {nome} no worker (até agora: {self.lista})",
        )


@pytest.fixture
def tarefas_concluidas():
    registro = TarefasConcluidas()
    signals.task_postrun.connect(registro, weak=False)
    try:
        yield registro
    finally:
        signals.task_postrun.disconnect(registro)


@pytest.fixture
def worker_celery(celery_no_redis, tarefas_concluidas):
    """Fábrica de contexto: ``with worker_celery(): ...`` roda um worker real numa thread."""
    from celery.contrib.testing.worker import start_worker

    @contextmanager
    def iniciar():
        with start_worker(
            celery_no_redis, pool="solo", perform_ping_check=False, shutdown_timeout=10
        ) as worker:
            yield worker

    return iniciar
