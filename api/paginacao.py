"""Paginação por cursor (keyset) da lista de Parceiros, para sincronização.

A ordem é ``(publico_alterado_em, id)`` (índice ``parceiro_publico_alterado``): um Parceiro
cujo registro público muda vai para o fim da lista, e uma página nunca pula nem repete linhas
por causa de inclusões (não há deslocamento, só "depois de"). O cursor é opaco para o cliente:
base64 de ``[instante ISO, id]`` do último da página.
"""

import base64
import binascii
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.dateparse import parse_datetime

from .erros import PedidoInvalido

LIMITE_PADRAO = 100
LIMITE_MAXIMO = 500


def codificar(momento: datetime, pk: int) -> str:
    bruto = json.dumps([momento.isoformat(), pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(bruto).decode().rstrip("=")


def decodificar(cursor: str) -> tuple[datetime, int]:
    try:
        bruto = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        texto, pk = json.loads(bruto)
        momento = parse_datetime(texto)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        momento = None
        pk = None
    if momento is None or momento.tzinfo is None or not isinstance(pk, int):
        raise PedidoInvalido({"cursor": ["Cursor inválido: use o valor devolvido pela API."]})
    return momento, pk


def limite(request: HttpRequest) -> int:
    texto = request.GET.get("limite", "")
    if not texto:
        return LIMITE_PADRAO
    if not texto.isdigit() or not 1 <= int(texto) <= LIMITE_MAXIMO:
        raise PedidoInvalido({"limite": [f"Use um inteiro de 1 a {LIMITE_MAXIMO}."]})
    return int(texto)


def pagina(
    request: HttpRequest, linhas: Iterable[Any], quantos: int, posicao: Any
) -> tuple[list[Any], str | None, str | None]:
    """(linhas da página, cursor do último, URL da próxima página ou ``None``).

    ``linhas`` já vem cortada em ``quantos + 1``: a sobra diz se há próxima página.
    ``posicao(linha)`` dá ``(instante, id)`` de uma linha.
    """
    lidas = list(linhas)
    mais = len(lidas) > quantos
    lidas = lidas[:quantos]
    cursor = codificar(*posicao(lidas[-1])) if lidas else None
    proximo = None
    if mais and cursor:
        parametros = request.GET.copy()
        parametros["cursor"] = cursor
        proximo = request.build_absolute_uri(f"{request.path}?{parametros.urlencode()}")
    return lidas, cursor, proximo
