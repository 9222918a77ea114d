"""Consultas do ORM compiladas uma vez por processo e executadas como comando preparado.

Nos caminhos públicos e frios (a primeira emissão do CRC do dia, issue #15), compilar uma
consulta com anotações (``Case``/``When``, subconsultas) custava mais CPU que executá-la, e
o PostgreSQL replanejava a cada pedido. Aqui o SQL continua saindo do ORM — as regras de
leitura ficam nos querysets (ex.: ``DocumentoQuerySet.com_vencimento_efetivo``) —, só que
compilado uma vez com **valores-sentinela** no lugar dos que mudam a cada pedido; cada
execução troca as sentinelas pelos valores do pedido. No PostgreSQL, o comando é preparado
na conexão (parâmetros no servidor), como em ``declaracoes.verificacao``.

As linhas voltam cruas, como o banco as entrega: sem os conversores do ORM (no SQLite,
datas em texto e booleanos em 0/1), e quem chama converte.
"""

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from django.db import connection
from django.db.models import QuerySet

Compilada = tuple[str, tuple[Any, ...]]
Trocas = Mapping[tuple[type, Any], Any]


def compilar(consulta: QuerySet[Any], *sentinelas: Any) -> Compilada:
    """(sql, parâmetros) do queryset; recusa se alguma sentinela não virou parâmetro (a
    consulta mudou e o valor do pedido não entraria)."""
    sql, parametros = consulta.query.sql_with_params()
    for sentinela in sentinelas:
        formas = {sentinela, sentinela.isoformat()} if isinstance(sentinela, date) else {sentinela}
        if not formas & set(parametros):
            raise RuntimeError(f"sentinela {sentinela!r} fora dos parâmetros de: {sql}")
    return sql, tuple(parametros)


def trocas(valores: Mapping[Any, Any]) -> dict[tuple[type, Any], Any]:
    """``{sentinela: valor}`` na forma que ``linhas`` usa; uma data também na forma de texto,
    que é como o SQLite a recebe."""
    resultado: dict[tuple[type, Any], Any] = {}
    for sentinela, valor in valores.items():
        resultado[(type(sentinela), sentinela)] = valor
        if isinstance(sentinela, date):
            resultado[(str, sentinela.isoformat())] = valor.isoformat()
    return resultado


def linhas(compilada: Compilada, valores: Trocas) -> list[tuple[Any, ...]]:
    """As linhas da consulta com os valores do pedido no lugar das sentinelas."""
    sql, parametros = compilada
    return executar(sql, [valores.get((type(p), p), p) for p in parametros])


def executar(sql: str, parametros: Sequence[Any]) -> list[tuple[Any, ...]]:
    """As linhas de ``sql``; no PostgreSQL, como comando preparado (planejado uma vez por
    conexão). O Django usa parâmetros no cliente (``ClientCursor``), que não preparam; aqui,
    um cursor do psycopg com parâmetros no servidor na mesma conexão. A consulta entra no
    log de consultas como as do ORM (``assertNumQueries``, DEBUG)."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(sql, parametros)
            return list(cursor.fetchall())
        inicio = time.monotonic()
        with psycopg.Cursor(connection.connection) as preparado:
            preparado.execute(sql, parametros, prepare=True)
            resultado = preparado.fetchall()
    if connection.queries_logged:
        duracao = f"{time.monotonic() - inicio:.3f}"
        connection.queries_log.append({"sql": sql % tuple(parametros), "time": duracao})
    return resultado


def data(valor: date | str | None) -> date | None:
    """Uma data crua (no SQLite, texto ``AAAA-MM-DD``)."""
    return date.fromisoformat(valor) if isinstance(valor, str) else valor


def momento(valor: datetime | str | None) -> datetime | None:
    """Um instante cru como o ORM o daria (no SQLite, texto em UTC sem fuso)."""
    if isinstance(valor, str):
        valor = datetime.fromisoformat(valor)
    if valor is not None and valor.tzinfo is None:
        valor = valor.replace(tzinfo=UTC)
    return valor


def por_vendor(fabrica: Callable[[], Sequence[Compilada]]) -> Callable[[], Sequence[Compilada]]:
    """Memoriza as compiladas de ``fabrica`` por banco (``connection.vendor``)."""
    guardadas: dict[str, Sequence[Compilada]] = {}

    def obter() -> Sequence[Compilada]:
        if connection.vendor not in guardadas:
            guardadas[connection.vendor] = fabrica()
        return guardadas[connection.vendor]

    return obter
