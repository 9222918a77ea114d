"""Quantas idas ao Redis (cache, limites, sessão) cada pedido faz — medidas no cliente redis.

Conta cada comando (ou pipeline) que o cliente envia ao servidor do cache durante um pedido,
com chaves distintas (uma consulta por nome novo, um código novo, um CPF novo), como o tráfego
de verdade. Roda com ``REDIS_URL`` (PostgreSQL + Redis, como no CI). Com o Redis congelado,
cada ida é um tempo limite em potencial; o disjuntor corta as esperas, e aqui se confere que o
número de idas não cresce. Medido antes desta mudança (sessão em ``cached_db``): ver
docs/operacao.md, seção "Falhas: Redis congelado e banco fora".
"""

import uuid

import pytest
from django.conf import settings
from redis.connection import AbstractConnection

from tests.factories import cpf_aleatorio

pytestmark = pytest.mark.django_db

# Tetos atuais (medidos): um pedido a mais que isto é regressão.
TETOS = {"inicio": 0, "consulta": 4, "verificar": 2, "inscricao": 3, "painel": 3}


@pytest.fixture
def contador(monkeypatch):
    if not settings.REDIS_URL:
        pytest.skip("mede o cliente do Redis: rode com REDIS_URL (o CI roda)")
    idas = []
    original = AbstractConnection.send_packed_command

    def contar(self, command, check_health=True):
        idas.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", contar)
    return idas


def _medir(contador, pedir):
    antes = len(contador)
    resposta = pedir()
    assert resposta.status_code < 500
    return len(contador) - antes


def _idas_por_pedido(client, contador, usuario):
    def inscricao():
        email = f"idas-{uuid.uuid4().hex[:10]}@exemplo.com.br"
        dados = {"cpf": cpf_aleatorio(), "nome": "Maria da Conceição Souza", "email": email}
        dados |= {"email_confirmacao": email, "telefone": "(31) 99999-0000"}
        return client.post("/inscricao/", dados, REMOTE_ADDR="10.1.2.3")

    idas = {
        "inicio": _medir(contador, lambda: client.get("/")),
        "consulta": _medir(contador, lambda: client.get(f"/consulta/?nome=p{uuid.uuid4().hex}")),
        "verificar": _medir(contador, lambda: client.get("/verificar/ABCDEFGHJKMNPQR0/")),
        "inscricao": _medir(contador, inscricao),
    }
    client.force_login(usuario)
    client.get("/painel/")  # a primeira página guarda o que o menu conta
    idas["painel"] = _medir(contador, lambda: client.get("/painel/"))
    return idas


def test_idas_ao_redis_por_pedido(client, contador, usuario):
    _idas_por_pedido(client, contador, usuario)  # abre as conexões (HELLO, SELECT...)
    client.logout()
    idas = _idas_por_pedido(client, contador, usuario)
    print("\nidas ao Redis por pedido:", idas)
    for pedido, teto in TETOS.items():
        assert idas[pedido] <= teto, f"{pedido}: {idas[pedido]} idas ao Redis (teto {teto})"
