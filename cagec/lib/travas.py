"""Trava exclusiva entre processos (advisory lock do PostgreSQL) para tarefas longas."""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


def chave(nome: str) -> int:
    """O número de 64 bits da trava ``nome`` (estável entre processos e versões)."""
    return int.from_bytes(hashlib.sha256(nome.encode()).digest()[:8], "big", signed=True)


@contextmanager
def exclusiva(nome: str) -> Iterator[bool]:
    """Tenta a trava ``nome`` sem esperar: ``True`` se ficou com ela, ``False`` se outro a tem.

    Trava de sessão (``pg_try_advisory_lock``): vale por cima das transações de cada lote e
    é solta no fim do bloco ou, se o processo morrer, quando a conexão cai. Em outros bancos
    (SQLite do modo embutido, um processo só) sempre obtida.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    numero = chave(nome)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [numero])
        obtida = cursor.fetchone()[0]
    try:
        yield obtida
    finally:
        if obtida:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [numero])
