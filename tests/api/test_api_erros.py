"""Erros da API sempre em JSON, ``{"erro": "...", "detalhe": ...}``, com mensagens em
português — inclusive o 404 de um caminho desconhecido e o 500 de um erro inesperado — e o
esquema e a página de referência servidos sem CDN, sob a CSP do portal."""

import json

import pytest
from rest_framework import exceptions

from api import selectors
from tests.api import contrato

api = contrato.api  # a fixture do cliente que confere o esquema

pytestmark = pytest.mark.django_db

REGULARIDADE = "/api/v1/parceiros/18000001000100/regularidade"


def erro(resposta, status):
    assert resposta.status_code == status, resposta.content[:300]
    assert resposta["Content-Type"] == "application/json"
    return json.loads(resposta.content)


@pytest.mark.parametrize("caminho", ["/api/v1/", "/api/v1/nada", "/api/v1/parceiros/x/y/z"])
def test_caminho_desconhecido_da_404_em_json(api, caminho):
    assert erro(api.get(caminho), 404) == {
        "erro": "Caminho não encontrado na API.",
        "detalhe": None,
    }


@pytest.mark.parametrize("metodo", ["post", "put", "patch", "delete"])
def test_escrita_da_405(api, metodo):
    corpo = erro(getattr(api, metodo)(REGULARIDADE), 405)
    assert corpo["erro"] == "Método não permitido: a API é somente leitura (GET)."


@pytest.mark.parametrize(
    ("excecao", "status", "mensagem"),
    [
        (exceptions.PermissionDenied(), 403, "Acesso negado."),
        (exceptions.Throttled(wait=30), 429, "Limite de pedidos excedido. Tente de novo em 31 s."),
    ],
)
def test_403_e_429_em_json(api, monkeypatch, excecao, status, mensagem):
    def recusa(*args):
        raise excecao

    monkeypatch.setattr(selectors, "chave_pelo_cnpj", recusa)
    assert erro(api.get(REGULARIDADE), status)["erro"] == mensagem


def test_erro_inesperado_da_500_em_json_e_vai_para_o_log(api, monkeypatch, caplog):
    def quebra(*args):
        raise RuntimeError("banco em chamas")

    monkeypatch.setattr(selectors, "chave_pelo_cnpj", quebra)
    corpo = erro(api.get(REGULARIDADE), 500)

    assert corpo["erro"].startswith("Erro interno.")
    assert "banco em chamas" not in json.dumps(corpo)
    assert any("banco em chamas" in str(r.exc_info) for r in caplog.records if r.exc_info)


def test_esquema_openapi_31_com_as_operacoes_publicas_e_as_dos_webhooks(api):
    resposta = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    esquema = json.loads(resposta.content)

    assert esquema["openapi"] == "3.1.0"
    assert set(esquema["paths"]) == {
        "/api/v1/parceiros/",
        "/api/v1/parceiros/{cnpj}/regularidade",
        "/api/v1/verificacoes/{codigo}",
        "/api/v1/webhooks/",
        "/api/v1/webhooks/{id}/",
    }


def test_referencia_sem_cdn_e_sem_script_em_linha(api):
    resposta = api.get("/api/v1/docs/")
    html = resposta.content.decode()

    assert resposta.status_code == 200
    assert "cdn" not in html.lower() and "https://" not in html
    assert "<style" not in html and "<script>" not in html
    assert "script-src 'self'" in resposta["Content-Security-Policy"]
    script = api.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and "/api/v1/schema/" in script.content.decode()


def test_401_em_json_quando_ha_autenticacao(api, monkeypatch):
    """Com uma autenticação que pede credenciais (a das chaves de API), o DRF responde 401."""
    from rest_framework.authentication import BasicAuthentication

    from api import views

    monkeypatch.setattr(views.Regularidade, "authentication_classes", [BasicAuthentication])
    resposta = api.get(REGULARIDADE, HTTP_AUTHORIZATION="Basic bmFkYTpuYWRh")
    corpo = erro(resposta, 401)
    assert corpo["erro"] == "Autenticação necessária ou chave de API inválida."
