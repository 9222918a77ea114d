"""Limites da API: por IP sem chave, pelo limite da chave com ela; 429 com Retry-After."""

import pytest
from django.core.cache import caches
from django.test import override_settings

from api import limites, uso
from api.models import UsoDiarioChaveApi
from cagec.lib.cache import RedisCacheTolerante

from .apoio import ECO, com_chave, nova_chave

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls_teste")]


def _chamar(client, vezes, **extra):
    return [client.get(ECO, **extra) for _ in range(vezes)]


@override_settings(API_LIMITE_ANONIMO_POR_IP="3/m")
def test_anonimo_por_ip_passa_do_limite_e_recebe_429(client):
    respostas = _chamar(client, 4)
    assert [r.status_code for r in respostas] == [200, 200, 200, 429]
    assert 1 <= int(respostas[-1]["Retry-After"]) <= 60
    assert client.get(ECO, REMOTE_ADDR="10.9.9.9").status_code == 200  # outro IP, outra conta


@override_settings(API_LIMITE_ANONIMO_POR_IP="1/m")
def test_com_chave_vale_o_limite_da_chave_e_nao_o_do_ip(client):
    _, texto = nova_chave(limite=3)
    respostas = _chamar(client, 4, **com_chave(texto))
    assert [r.status_code for r in respostas] == [200, 200, 200, 429]
    assert int(respostas[-1]["Retry-After"]) >= 1
    assert client.get(ECO).status_code == 200  # o anônimo do mesmo IP tem a sua conta


def test_cada_chave_tem_a_sua_conta(client):
    _, primeira = nova_chave("Primeira", limite=1)
    _, segunda = nova_chave("Segunda", limite=1)
    assert client.get(ECO, **com_chave(primeira)).status_code == 200
    assert client.get(ECO, **com_chave(primeira)).status_code == 429
    assert client.get(ECO, **com_chave(segunda)).status_code == 200


def test_taxa():
    assert limites.taxa("60/m") == (60, 60)
    assert limites.taxa("1000/h") == (1000, 3600)
    assert limites.taxa("5/s") == (5, 1)


# --- Com o Redis (PostgreSQL + Redis: DATABASE_URL/REDIS_URL) --------------------------------
com_redis = pytest.mark.skipif(
    not isinstance(uso.cache_dos_limites(), RedisCacheTolerante), reason="precisa do Redis"
)


@com_redis
def test_chamada_com_chave_faz_uma_ida_ao_redis(client, monkeypatch):
    chave, texto = nova_chave()
    client.get(ECO, **com_chave(texto))  # a chave fica lembrada; a próxima não vai ao banco
    cache = uso.cache_dos_limites()
    cliente = cache._cache.get_client(None, write=True)
    comandos = []
    original = cliente.execute_command

    def contar(*args, **kwargs):
        comandos.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(cliente, "execute_command", contar)
    assert client.get(ECO, **com_chave(texto)).status_code == 200
    assert comandos == ["EVAL"]
    dia = cliente.hgetall(uso.chave_do_dia(cache))
    assert dia == {str(chave.pk).encode(): b"2"}


@com_redis
def test_redis_fora_deixa_passar(client, settings):
    settings.API_LIMITE_ANONIMO_POR_IP = "1/m"
    caches[settings.RATELIMIT_USE_CACHE].disjuntor.falhou(ConnectionError("teste"))
    assert [r.status_code for r in _chamar(client, 3)] == [200, 200, 200]
    assert not UsoDiarioChaveApi.objects.exists()
