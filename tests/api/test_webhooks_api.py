"""``/api/v1/webhooks/`` com a chave do cliente, e as URLs que um webhook não aceita (SSRF)."""

import pytest
from django.test import override_settings

from api import enderecos, services, tasks
from api.models import EntregaWebhook, Webhook
from parceiros import situacao
from parceiros.models import Parceiro

from .apoio import com_chave, nova_chave

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls_teste")]
WEBHOOKS = "/api/v1/webhooks/"
EM_PRODUCAO = override_settings(API_WEBHOOK_PERMITIR_REDE_LOCAL=False)


def _post(client, texto, **dados):
    return client.post(WEBHOOKS, dados, content_type="application/json", **com_chave(texto))


def test_sem_chave_e_401(client):
    resposta = client.get(WEBHOOKS)
    assert resposta.status_code == 401
    assert resposta["WWW-Authenticate"] == "Api-Key"
    assert "chave de API" in resposta.json()["detalhe"]


def test_cadastrar_listar_e_desativar(client, receptor):
    chave, texto = nova_chave()
    criado = _post(client, texto, url=receptor.url, eventos=["parceiro.situacao_alterada"])
    assert criado.status_code == 201
    assert criado["Cache-Control"] == "no-store"
    dados = criado.json()
    webhook = Webhook.objects.get(pk=dados["id"])
    assert dados["segredo"] == webhook.segredo and len(webhook.segredo) == 64
    assert webhook.chave == chave and webhook.eventos == ["parceiro.situacao_alterada"]

    lista = client.get(WEBHOOKS, **com_chave(texto)).json()
    assert [w["url"] for w in lista] == [receptor.url]
    assert "segredo" not in lista[0]

    caminho = f"{WEBHOOKS}{webhook.pk}/"
    assert client.delete(caminho, **com_chave(texto)).status_code == 204
    assert client.get(WEBHOOKS, **com_chave(texto)).json() == []
    assert not Webhook.objects.get(pk=webhook.pk).ativo


def test_webhook_de_outra_chave_e_404(client, receptor):
    dona, _ = nova_chave("Dona")
    _, texto_de_outra = nova_chave("Outra")
    webhook, _ = services.cadastrar_webhook(dona, receptor.url)
    caminho = f"{WEBHOOKS}{webhook.pk}/"
    assert client.get(caminho, **com_chave(texto_de_outra)).status_code == 404
    assert client.delete(caminho, **com_chave(texto_de_outra)).status_code == 404
    assert Webhook.objects.get(pk=webhook.pk).ativo


def test_evento_desconhecido_e_400(client, receptor):
    _, texto = nova_chave()
    resposta = _post(client, texto, url=receptor.url, eventos=["parceiro.apagado"])
    assert resposta.status_code == 400
    assert "eventos" in resposta.json()["detalhe"]


@EM_PRODUCAO
@pytest.mark.parametrize(
    ("url", "mensagem"),
    [
        ("http://exemplo.gov.br/ganchos", "https://"),
        ("https://127.0.0.1/ganchos", "endereço interno"),
        ("https://10.1.2.3/ganchos", "endereço interno"),
        ("https://[::1]/ganchos", "endereço interno"),
        ("https://169.254.169.254/latest", "endereço interno"),
        ("https://localhost/ganchos", "endereço interno"),
        ("https://usuario:senha@exemplo.gov.br/", "usuário"),
    ],
)
def test_em_producao_so_https_e_endereco_publico(client, url, mensagem):
    _, texto = nova_chave()
    resposta = _post(client, texto, url=url)
    assert resposta.status_code == 400
    assert mensagem in resposta.json()["detalhe"]["url"][0]
    assert not Webhook.objects.exists()


@EM_PRODUCAO
def test_endereco_publico_https_e_aceito(monkeypatch):
    monkeypatch.setattr(
        enderecos.socket, "getaddrinfo", lambda *_a, **_k: [(2, 1, 6, "", ("200.198.1.10", 443))]
    )
    assert enderecos.validar("https://sigcon.mg.gov.br/ganchos") == ["200.198.1.10"]


def test_endereco_e_conferido_de_novo_no_envio(client, receptor, parceiro, settings):
    """Cadastrado quando valia; no envio o endereço é interno: nada sai, fica o motivo."""
    chave, _ = nova_chave()
    services.cadastrar_webhook(chave, receptor.url)
    Parceiro.objects.filter(pk=parceiro.pk).update(situacao=Parceiro.Situacao.REGULAR)
    situacao.recalcular(parceiro)
    settings.API_WEBHOOK_PERMITIR_REDE_LOCAL = False
    tasks.entregar_webhooks()
    entrega = EntregaWebhook.objects.get()
    assert entrega.status == EntregaWebhook.Status.PENDENTE
    assert "https://" in entrega.ultimo_erro
    assert receptor.recebidos == []
