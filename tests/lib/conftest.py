"""Fixtures da caixa de saída: SMTP fora do ar, Redis descartável e worker Celery de verdade.

* ``redis_descartavel``: um ``redis-server`` só deste teste, numa porta livre do loopback,
  sem persistência; ``parar()``/``iniciar()`` simulam a queda e a volta da fila. Sem o
  binário, o teste é pulado com o motivo, exceto com ``CI`` ou ``CAGEC_EXIGIR_SERVICOS``
  definidas: aí falha, para ninguém achar que passou.
* ``celery_no_redis``: o app Celery do projeto apontado para esse Redis, sem modo eager;
  a configuração e as conexões em cache são restauradas no fim.
* ``worker_celery``: um worker real (``start_worker``) numa thread deste processo.
"""

import os
import shutil
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from celery import signals

REDIS_SERVER = Path("/usr/bin/redis-server")


def _exigir_servicos() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("CAGEC_EXIGIR_SERVICOS"))


def porta_livre() -> int:
    """Uma porta TCP do loopback onde ninguém escuta (o SO acabou de liberá-la)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def esperar(condicao, *, timeout=10.0, intervalo=0.05, descricao="a condição"):
    """Espera (com limite) até ``condicao()`` ser verdadeira; devolve o último valor."""
    limite = time.monotonic() + timeout
    while True:
        valor = condicao()
        if valor:
            return valor
        if time.monotonic() > limite:
            raise AssertionError(f"Tempo esgotado ({timeout} s) esperando {descricao}")
        time.sleep(intervalo)


@pytest.fixture(name="esperar")
def _esperar():
    return esperar


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


# --- Redis descartável -----------------------------------------------------------------------


class RedisDescartavel:
    def __init__(self, binario: str, porta: int):
        self.binario = binario
        self.porta = porta
        self.url = f"redis://127.0.0.1:{porta}/0"
        self.processo = None

    @property
    def rodando(self) -> bool:
        return self.processo is not None and self.processo.poll() is None

    def iniciar(self):
        if self.rodando:
            return
        self.processo = subprocess.Popen(  # noqa: S603 — binário fixo, argumentos nossos
            [
                self.binario,
                "--port",
                str(self.porta),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        limite = time.monotonic() + 10
        while not self.responde():
            if self.processo.poll() is not None:
                saida = self.processo.stdout.read().decode(errors="replace")
                raise RuntimeError(f"redis-server saiu ao iniciar na porta {self.porta}:\n{saida}")
            if time.monotonic() > limite:
                self.parar()
                raise RuntimeError(f"redis-server não respondeu na porta {self.porta}")
            time.sleep(0.02)

    def parar(self):
        if self.processo is None:
            return
        if self.processo.poll() is None:
            self.processo.terminate()
            try:
                self.processo.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.processo.kill()
                self.processo.wait(timeout=5)
        self.processo.stdout.close()
        self.processo = None

    def responde(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.porta), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def cliente(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.porta, db=0, socket_timeout=2)


@pytest.fixture
def redis_descartavel():
    binario = str(REDIS_SERVER) if REDIS_SERVER.exists() else shutil.which("redis-server")
    if not binario:
        motivo = (
            f"redis-server não encontrado ({REDIS_SERVER} nem no PATH): instale o pacote "
            "Debian 'redis-server' para rodar os testes de falha da fila."
        )
        if _exigir_servicos():
            pytest.fail(motivo + " CI/CAGEC_EXIGIR_SERVICOS está definida: o teste é obrigatório.")
        pytest.skip(motivo)
    servidor = RedisDescartavel(binario, porta_livre())
    servidor.iniciar()
    try:
        yield servidor
    finally:
        servidor.parar()


# --- Celery apontado para o Redis descartável ------------------------------------------------


def _esquecer_conexoes(app):
    """Descarta as conexões/produtores em cache (presos à URL do broker anterior)."""
    from kombu import pools

    pools.reset()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def celery_no_redis(redis_descartavel):
    from cagec.celery import app

    novos = {
        "broker_url": redis_descartavel.url,
        "task_always_eager": False,
        # O worker embutido não deve tirar os handlers de log do pytest.
        "worker_hijack_root_logger": False,
    }
    antigos = {chave: getattr(app.conf, chave) for chave in novos}
    _esquecer_conexoes(app)
    app.conf.update(novos)
    try:
        yield app
    finally:
        app.conf.update(antigos)
        _esquecer_conexoes(app)


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
