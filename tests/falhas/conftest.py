"""Fixtures dos testes de falha com processos reais (ver ``tests/falhas/equipamento.py``).

Os processos (worker Celery, gunicorn) leem o mesmo banco que o teste: só no PostgreSQL
(``banco_compartilhado``); no SQLite de testes, em memória, outro processo não o enxerga —
o teste é pulado, ou falha com ``CI``/``CAGEC_EXIGIR_SERVICOS`` (o CI roda no PostgreSQL).
Use ``pytest.mark.django_db(transaction=True)``: o que o teste grava precisa estar
confirmado para o worker ver.
"""

import pytest
from django.conf import settings
from django.db import connection

from tests.servicos import exigir_servicos, porta_livre

from .equipamento import ProxyTCP, SinkSMTP, WorkerProcesso, ambiente_de_producao


@pytest.fixture
def banco_compartilhado() -> str:
    """A URL do banco de teste (PostgreSQL) para outros processos usarem."""
    if connection.vendor != "postgresql":
        motivo = "teste com processos reais precisa do PostgreSQL (DATABASE_URL)"
        if exigir_servicos():
            pytest.fail(motivo + "; CI/CAGEC_EXIGIR_SERVICOS está definida.")
        pytest.skip(motivo)
    d = connection.settings_dict
    credenciais = d["USER"] + (f":{d['PASSWORD']}" if d.get("PASSWORD") else "")
    return f"postgres://{credenciais}@{d['HOST'] or '127.0.0.1'}:{d['PORT'] or 5432}/{d['NAME']}"


@pytest.fixture
def sink_smtp():
    sink = SinkSMTP(porta_livre())
    sink.iniciar()
    try:
        yield sink
    finally:
        sink.parar()


@pytest.fixture
def proxy_tcp():
    proxies = []

    def criar(host: str, porta: int) -> ProxyTCP:
        proxy = ProxyTCP(host, porta, porta_livre())
        proxy.religar()
        proxies.append(proxy)
        return proxy

    yield criar
    for proxy in proxies:
        proxy.cortar()


@pytest.fixture
def ambiente_do_portal(banco_compartilhado, redis_descartavel, sink_smtp):
    """Fábrica do ambiente de um processo do portal (worker, gunicorn) para este teste."""

    def montar(extra=None, *, banco_url=None):
        return ambiente_de_producao(
            banco_url or banco_compartilhado,
            redis_descartavel.url,
            sink_smtp.url,
            settings.MEDIA_ROOT,
            extra,
        )

    return montar


@pytest.fixture
def worker_celery_processo(ambiente_do_portal, tmp_path):
    """Fábrica: ``w = worker_celery_processo(env_extra={...}, concorrencia=2)``; ``w.iniciar()``."""
    workers = []

    def criar(env_extra=None, *, concorrencia=2, filas=None, beat=False, banco_url=None):
        log = tmp_path / f"worker-{len(workers)}.log"
        worker = WorkerProcesso(
            ambiente_do_portal(env_extra, banco_url=banco_url),
            log,
            concorrencia=concorrencia,
            filas=filas,
            beat=beat,
        )
        workers.append(worker)
        return worker

    yield criar
    for worker in workers:
        worker.parar()
