"""Contrato: uma rodada limitada do schemathesis contra o WSGI do portal (sem 5xx, status,
tipo de conteúdo, cabeçalhos e corpo conforme o esquema). Umas dezenas de exemplos por
operação, com um Parceiro Regular, o CRC do dia e uma declaração no banco: roda na suíte
normal em poucos segundos."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from declaracoes import crc
from tests.declaracoes import test_crc as base

relogio = base.relogio
_pdf_da_declaracao_simples = base._pdf_da_declaracao_simples
catalogo, associacao, regular = base.catalogo, base.associacao, base.regular
pdf_instantaneo = base.pdf_instantaneo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]


EXEMPLOS_POR_OPERACAO = 40


class WsgiDoTeste(WSGIHandler):
    """O WSGI do portal sem fechar a conexão ao fim do pedido (como o ``Client`` do Django):
    os pedidos rodam dentro da transação do teste."""

    def __call__(self, environ, start_response):
        environ.setdefault("REMOTE_ADDR", "127.0.0.1")  # o que todo servidor WSGI põe
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            resposta = super().__call__(environ, start_response)
            resposta.close()  # o request_finished, ainda sem fechar a conexão
            return resposta
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def operacoes():
    esquema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", WsgiDoTeste())
    return [resultado.ok() for resultado in esquema.get_all_operations()]


def test_api_cumpre_o_esquema(regular, pdf_instantaneo):
    # O ``schemathesis.pytest.from_fixture`` não roda no pytest 9 (usa ``node._nodeid``): o
    # mesmo gerador, pela estratégia de cada operação, num ``given`` do Hypothesis.
    crc.crc_do_dia(regular)
    lista = operacoes()
    assert len(lista) == 7  # as 3 públicas e as 4 dos webhooks (com chave)
    chamadas = []

    @given(data=st.data())
    @settings(
        max_examples=EXEMPLOS_POR_OPERACAO,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def conferir(operacao, data):
        caso = data.draw(operacao.as_strategy())
        # O cursor é opaco (só vale o devolvido pela API): um sorteado é 400, com razão;
        # test_api_parceiros confere o cursor inválido e o caminho por cursor.
        (caso.query or {}).pop("cursor", None)
        chamadas.append(caso.call_and_validate().status_code)

    for operacao in lista:
        conferir(operacao)
    assert len(chamadas) >= 7 * 10
    assert all(status < 500 for status in chamadas)
