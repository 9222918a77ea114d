"""Erros da API em JSON, com mensagem em português: ``{"erro": "...", "detalhe": ...}``.

``tratar_excecao`` é o ``EXCEPTION_HANDLER`` do DRF (settings ``REST_FRAMEWORK``): toda exceção
de uma view da API vira esse corpo — inclusive as inesperadas (500, registradas no log com o
rastro). ``nao_encontrado`` responde aos caminhos desconhecidos em ``/api/v1/`` (o 404 do
Django seria a página HTML do portal).
"""

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from .respostas import json_resposta

logger = logging.getLogger("api")

MENSAGENS = {
    400: "Pedido inválido: confira os parâmetros.",
    401: "Autenticação necessária ou chave de API inválida.",
    403: "Acesso negado.",
    404: "Não encontrado.",
    405: "Método não permitido: a API é somente leitura (GET).",
    406: "Formato não disponível: a API responde só em JSON.",
    429: "Limite de pedidos excedido. Tente de novo mais tarde.",
    500: "Erro interno. A equipe do CAGEC foi avisada; tente de novo em instantes.",
}


def corpo(codigo: int, detalhe: Any = None, erro: str = "") -> dict[str, Any]:
    return {"erro": erro or MENSAGENS.get(codigo, "Erro."), "detalhe": detalhe}


def tratar_excecao(exc: Exception, context: dict[str, Any]) -> Response:
    resposta = exception_handler(exc, context)
    if resposta is None:
        logger.exception("Erro inesperado na API", exc_info=exc)
        return Response(corpo(500), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    resposta.data = corpo(resposta.status_code, _detalhe(exc), _mensagem(exc))
    return resposta


def _mensagem(exc: Exception) -> str:
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        return f"Limite de pedidos excedido. Tente de novo em {int(exc.wait) + 1} s."
    if isinstance(exc, NaoEncontrado):
        return exc.mensagem_da_api
    return ""


def _detalhe(exc: Exception) -> Any:
    """O detalhe do DRF quando ele diz algo além da mensagem (os campos de um 400)."""
    if isinstance(exc, exceptions.ValidationError):
        return exc.detail
    if isinstance(exc, NaoEncontrado):
        return None
    if isinstance(exc, exceptions.APIException) and not isinstance(
        exc, (exceptions.NotFound, exceptions.MethodNotAllowed, exceptions.Throttled)
    ):
        return str(exc.detail)
    return None


class NaoEncontrado(exceptions.NotFound):
    """404 com a mensagem da API (``CNPJ não encontrado no CAGEC.``...)."""

    def __init__(self, mensagem: str) -> None:
        super().__init__(mensagem)
        self.mensagem_da_api = mensagem


class PedidoInvalido(exceptions.ValidationError):
    """400 com os problemas campo a campo em ``detalhe``."""


@csrf_exempt  # nada muda aqui: um POST/DELETE num caminho desconhecido também é 404 em JSON
def nao_encontrado(request: HttpRequest, caminho: str = "") -> HttpResponse:
    """Caminho desconhecido em ``/api/v1/``: 404 em JSON, não a página HTML."""
    return json_resposta(corpo(404, erro="Caminho não encontrado na API."), status=404)
