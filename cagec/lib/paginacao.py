"""Paginação das listas (fila da análise, consulta pública): uma regra, um partial.

A página vem de ``?pagina=``; número inválido ou além do fim cai numa página válida
(``Paginator.get_page``). Os links do partial ``_partials/paginacao.html`` mantêm os
demais parâmetros da consulta (filtros) e trocam só ``pagina``.
"""

from typing import TypeVar

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PARAMETRO = "pagina"

_T = TypeVar("_T")


def pagina_pedida(request: HttpRequest, paginador: "Paginator[_T]") -> "Page[_T]":
    """A página que ``request`` pede de ``paginador`` (a primeira ou a última, se inválida)."""
    return paginador.get_page(request.GET.get(PARAMETRO))


def parametros_sem_pagina(request: HttpRequest) -> str:
    """A consulta atual sem ``pagina``, já codificada, para os links de página e exportação."""
    parametros = request.GET.copy()
    parametros.pop(PARAMETRO, None)
    return parametros.urlencode()
