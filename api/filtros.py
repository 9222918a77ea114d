"""Os filtros de ``GET /api/v1/parceiros/``: os da consulta pública mais ``alterado_desde``."""

from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from parceiros.models import Parceiro

from .erros import PedidoInvalido

NOMES = ("nome", "municipio", "tipo", "situacao", "alterado_desde")
TAMANHO_MAXIMO = 200
ID_MAXIMO = 2**31 - 1


def ler(request: HttpRequest) -> tuple[dict[str, Any], datetime | None]:
    """(filtros de ``declaracoes.consulta.buscar``, alterado_desde); 400 com cada problema."""
    problemas: dict[str, list[str]] = {}
    filtros: dict[str, Any] = {}
    for nome in ("nome", "municipio"):
        valor = request.GET.get(nome, "").strip()
        if len(valor) > TAMANHO_MAXIMO:
            problemas[nome] = [f"No máximo {TAMANHO_MAXIMO} caracteres."]
        valor = valor.replace("\x00", "")  # o PostgreSQL não guarda nem compara o NUL
        filtros[nome] = valor
    tipo = request.GET.get("tipo", "").strip()
    if tipo and not (tipo.isdigit() and 1 <= int(tipo) <= ID_MAXIMO):
        problemas["tipo"] = ["Use o número (id) do tipo de Parceiro."]
    filtros["tipo"] = int(tipo) if "tipo" not in problemas and tipo else None
    situacao = request.GET.get("situacao", "").strip()
    if situacao and situacao not in Parceiro.Situacao.values:
        problemas["situacao"] = ["Use “regular” ou “irregular”."]
    filtros["situacao"] = situacao
    try:
        desde = _momento(request.GET.get("alterado_desde", "").strip())
    except ValueError:
        desde = None
        problemas["alterado_desde"] = [
            "Use data e hora ISO 8601 (ex.: 2026-12-01T00:00:00-03:00) ou uma data (2026-12-01)."
        ]
    if problemas:
        raise PedidoInvalido(problemas)
    return filtros, desde


def _momento(texto: str) -> datetime | None:
    """O instante de ``texto`` em UTC (sem fuso: o de Brasília); ``ValueError`` se não é
    data/hora."""
    if not texto:
        return None
    momento = parse_datetime(texto.replace(" ", "+"))
    if momento is None and (dia := parse_date(texto)) is not None:
        momento = datetime(dia.year, dia.month, dia.day)
    if momento is None:
        raise ValueError(texto)
    if timezone.is_naive(momento):
        momento = timezone.make_aware(momento)
    # Em UTC: o PostgreSQL recusa deslocamentos que o ISO 8601 aceita (ex.: -20:27). Um
    # instante que passaria do ano 9999 (OverflowError) também é recusado.
    try:
        return momento.astimezone(UTC)
    except OverflowError as erro:
        raise ValueError(texto) from erro
