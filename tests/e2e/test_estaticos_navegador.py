"""No navegador: a 2ª página não pede nenhum estático ao servidor (issue #13, item 18).

Os estáticos têm o hash no nome e saem com ``Cache-Control: immutable``; o Chromium os guarda
na 1ª página e, na 2ª, nem revalida (nada de 304). Contado dos dois lados: no servidor (cada
arquivo que o WhiteNoise entrega) e no navegador (eventos de rede do DevTools).
"""

import re

import pytest
from whitenoise.middleware import WhiteNoiseMiddleware

pytestmark = pytest.mark.e2e

COM_HASH = re.compile(r"/static/.+\.[0-9a-f]{12}\.[A-Za-z0-9]+$")


@pytest.fixture
def entregas_do_servidor(monkeypatch):
    """Caminhos que o WhiteNoise do live_server entregou (200 ou 304), na ordem."""
    entregas: list[str] = []
    servir = WhiteNoiseMiddleware.serve

    def contar(static_file, request):
        entregas.append(request.path)
        return servir(static_file, request)

    monkeypatch.setattr(WhiteNoiseMiddleware, "serve", staticmethod(contar))
    return entregas


def _rede(pagina):
    """Respostas de /static/ vistas pelo DevTools: (url, veio do cache do navegador)."""
    cdp = pagina.context.new_cdp_session(pagina)
    do_cache: set[str] = set()
    respostas: list[tuple[str, str, bool]] = []
    cdp.on("Network.requestServedFromCache", lambda e: do_cache.add(e["requestId"]))

    def recebida(evento):
        resposta = evento["response"]
        if "/static/" in resposta["url"]:
            cache = resposta.get("fromDiskCache") or resposta.get("fromMemoryCache")
            respostas.append((evento["requestId"], resposta["url"], bool(cache)))

    cdp.on("Network.responseReceived", recebida)
    cdp.send("Network.enable")
    return lambda: [(url, cache or rid in do_cache) for rid, url, cache in respostas]


@pytest.mark.parametrize("largura", [1366, 390], ids=["desktop", "celular"])
def test_segunda_pagina_nao_pede_estaticos_ao_servidor(nova_aba, entregas_do_servidor, largura):
    pagina = nova_aba(viewport={"width": largura, "height": 768 if largura > 1000 else 844})
    vistas = _rede(pagina)

    pagina.goto("/", wait_until="load")
    pagina.wait_for_load_state("networkidle")  # o favicon vem depois do load
    primeira = list(entregas_do_servidor)
    assert len(primeira) >= 4, primeira  # Bootstrap (CSS e JS), portal.css, portal.js…
    assert all(COM_HASH.search(caminho) for caminho in primeira), primeira
    entregas_do_servidor.clear()
    ja_vistas = len(vistas())

    pagina.goto("/consulta/", wait_until="load")
    pagina.wait_for_load_state("networkidle")

    assert entregas_do_servidor == []  # nem 200 nem 304: nenhuma ida ao servidor
    segunda = vistas()[ja_vistas:]
    assert len(segunda) >= 4 and all(cache for _url, cache in segunda), segunda
    assert pagina.erros_js == []
