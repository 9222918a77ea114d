"""Testes da API: um cliente que confere cada resposta contra o esquema OpenAPI gerado.

Módulo de apoio (não um ``conftest``): cada arquivo ``test_api_*`` importa a fixture ``api``.

O esquema vem de ``GET /api/v1/schema/`` (o mesmo que os integradores baixam) e cada resposta
de um caminho documentado é validada pelo ``openapi-core`` (status, cabeçalhos, corpo). Os
caminhos fora do esquema (404 de caminho desconhecido) são conferidos contra ``Erro``.
"""

import json

import pytest
from django.test import Client
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse

_ESQUEMA = {}


def esquema():
    """O esquema servido pela API, lido uma vez por processo."""
    if "dados" not in _ESQUEMA:
        resposta = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        assert resposta.status_code == 200, resposta.content[:300]
        _ESQUEMA["dados"] = json.loads(resposta.content)
        _ESQUEMA["openapi"] = OpenAPI.from_dict(_ESQUEMA["dados"])
    return _ESQUEMA


class ClienteDaApi(Client):
    """``Client`` que valida toda resposta contra o esquema (falha o teste se não confere)."""

    def generic(self, *args, **kwargs):
        resposta = super().generic(*args, **kwargs)
        conferir(resposta)
        return resposta


def conferir(resposta):
    pedido = resposta.wsgi_request
    if not pedido.path.startswith("/api/v1/") or pedido.path.startswith(
        ("/api/v1/schema/", "/api/v1/docs/")
    ):
        return
    if resposta.status_code >= 400:
        corpo = json.loads(resposta.content)
        assert set(corpo) == {"erro", "detalhe"}, corpo
        assert resposta["Content-Type"].startswith("application/json")
    if pedido.resolver_match is None or "caminho" in (pedido.resolver_match.kwargs or {}):
        return  # caminho fora do esquema: só a forma do erro, acima
    if resposta.status_code == 405:
        return  # método fora do esquema (a API só documenta GET)
    esquema()["openapi"].validate_response(
        DjangoOpenAPIRequest(pedido), DjangoOpenAPIResponse(resposta)
    )


@pytest.fixture
def api(db):
    return ClienteDaApi()


def cpf_em(texto, pessoa):
    """O CPF da pessoa aparece (em dígitos, em qualquer forma) no texto?"""
    digitos = "".join(c for c in texto if c.isdigit())
    return pessoa.cpf in digitos
