"""Chaves de API: guardadas em hash, conferidas numa consulta, revogação em segundos."""

import hashlib

import pytest

from api import chaves, services
from api.models import ChaveApi
from cagec.core.models import RegistroAuditoria

from .apoio import ECO, com_chave, nova_chave

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls_teste")]


def test_sem_cabecalho_e_anonimo(client):
    resposta = client.get(ECO)
    assert resposta.status_code == 200
    assert resposta.json() == {"chave": None}


def test_chave_valida_identifica_o_cliente(client):
    chave, texto = nova_chave()
    resposta = client.get(ECO, **com_chave(texto))
    assert resposta.status_code == 200
    assert resposta.json() == {"chave": chave.prefixo}
    assert texto.startswith(f"cagec_{chave.prefixo}_")


def test_banco_guarda_so_o_hash_da_chave():
    chave, texto = nova_chave()
    linha = ChaveApi.objects.filter(pk=chave.pk).values().get()
    assert linha["hash_segredo"] == hashlib.sha256(texto.encode()).hexdigest()
    assert not any(texto in str(valor) for valor in linha.values())
    assert RegistroAuditoria.objects.filter(acao="api.chave_criada", objeto_id=str(chave.pk))


@pytest.mark.parametrize(
    "cabecalho", ["Api-Key cagec_00000000_inventada", "Api-Key ", "api-key x", "Bearer abc", ""]
)
def test_chave_invalida_e_401_em_portugues(client, cabecalho):
    resposta = client.get(ECO, HTTP_AUTHORIZATION=cabecalho)
    assert resposta.status_code == 401
    assert resposta.json()["detalhe"] == "Chave de API inválida ou revogada."
    assert resposta["WWW-Authenticate"] == "Api-Key"


def test_revogada_responde_igual_a_inexistente(client):
    chave, texto = nova_chave()
    services.revogar_chave(chave, ator=None)
    revogada = client.get(ECO, **com_chave(texto))
    inexistente = client.get(ECO, **com_chave(texto + "x"))
    assert revogada.status_code == inexistente.status_code == 401
    assert revogada.content == inexistente.content


def test_conferir_a_chave_custa_uma_consulta_e_depois_nenhuma(django_assert_num_queries):
    chave, texto = nova_chave()
    with django_assert_num_queries(1):
        assert chaves.buscar(texto) == chave
    with django_assert_num_queries(0):
        assert chaves.buscar(texto) == chave


def test_revogacao_vale_na_hora_no_mesmo_processo(client):
    chave, texto = nova_chave()
    assert client.get(ECO, **com_chave(texto)).status_code == 200
    services.revogar_chave(chave, ator=None)
    assert client.get(ECO, **com_chave(texto)).status_code == 401


def test_revogacao_em_outro_processo_vale_depois_da_memoria_curta(client, monkeypatch, settings):
    """Outro processo revogou (a linha mudou, a memória deste não): vale em até N segundos."""
    settings.API_CHAVE_CACHE_SEGUNDOS = 5
    relogio = [1000.0]
    monkeypatch.setattr(chaves.time, "monotonic", lambda: relogio[0])
    chave, texto = nova_chave()
    assert client.get(ECO, **com_chave(texto)).status_code == 200
    ChaveApi.objects.filter(pk=chave.pk).update(revogada_em="2026-01-01T00:00:00Z")
    relogio[0] += 4.9
    assert client.get(ECO, **com_chave(texto)).status_code == 200
    relogio[0] += 0.2
    assert client.get(ECO, **com_chave(texto)).status_code == 401


def test_revogar_de_novo_nao_faz_nada():
    chave, _ = nova_chave()
    assert services.revogar_chave(chave, ator=None) is True
    assert services.revogar_chave(chave, ator=None) is False
    assert RegistroAuditoria.objects.filter(acao="api.chave_revogada").count() == 1


def test_chave_sem_contato_e_recusada():
    with pytest.raises(services.ErroDaApi, match="contato"):
        services.criar_chave(nome="Sem contato")
