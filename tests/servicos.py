"""Processos de verdade para os testes de falha: ``redis-server`` descartável e utilitários.

Usado por ``tests/lib/conftest.py`` (caixa de saída contra a fila) e ``tests/falhas/conftest.py``
(worker em subprocesso, servidor SMTP de teste, proxy TCP). As fixtures daqui entram numa
``conftest.py`` por import (``from tests.servicos import redis_descartavel``).

* ``celery_no_redis``: o app Celery do projeto publicando nesse Redis (sem modo eager).
* ``redis_descartavel``: um ``redis-server`` só deste teste, numa porta livre do loopback,
  sem persistência; ``parar()``/``iniciar()`` simulam a queda e a volta da fila,
  ``congelar()``/``descongelar()`` (SIGSTOP/SIGCONT) o Redis que aceita conexões e nunca
  responde. Sem o binário, o teste é pulado com o motivo, exceto com ``CI`` ou
  ``CAGEC_EXIGIR_SERVICOS`` definidas: aí falha, para ninguém achar que passou.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

REDIS_SERVER = Path("/usr/bin/redis-server")


def exigir_servicos() -> bool:
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


# --- Redis descartável -----------------------------------------------------------------------


class RedisDescartavel:
    def __init__(self, binario: str, porta: int):
        self.binario = binario
        self.porta = porta
        self.url = f"redis://127.0.0.1:{porta}/0"
        self.processo = None
        self.congelado = False

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

    def congelar(self):
        """SIGSTOP: a porta continua aceitando conexões (o kernel), mas nada responde."""
        self.processo.send_signal(signal.SIGSTOP)
        self.congelado = True

    def descongelar(self):
        self.processo.send_signal(signal.SIGCONT)
        self.congelado = False

    def parar(self):
        if self.processo is None:
            return
        if self.congelado and self.processo.poll() is None:
            self.descongelar()
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
        if exigir_servicos():
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
