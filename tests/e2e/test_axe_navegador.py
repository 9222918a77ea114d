"""O próprio auditor do axe-core (``conftest.py``): acha o que deve achar e só uma vez por página.

Página de mentira servida por uma rota na origem do portal, num contexto à parte (sem o
``nova_aba``, cujo teardown reprovaria o teste pela violação plantada de propósito).
"""

import pytest

from tests.e2e.conftest import AuditorAxe

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SEM_ALT = """<!DOCTYPE html><html lang="pt-BR"><head><title>Teste</title></head><body><main>
<h1>Imagem sem texto alternativo</h1><img src="/static/img/nao-existe.png"></main></body></html>"""
CORRETA = """<!DOCTYPE html><html lang="pt-BR"><head><title>Teste</title></head><body><main>
<h1>Tudo certo</h1><p>Nada a apontar.</p></main></body></html>"""


@pytest.fixture
def contexto(navegador, portal):
    contexto = navegador.new_context(base_url=portal.url)
    paginas = {"/axe/sem-alt/": SEM_ALT, "/axe/correta/": CORRETA}

    def servir(route, request):
        caminho = request.url.removeprefix(portal.url)
        if caminho in paginas:
            route.fulfill(status=200, content_type="text/html", body=paginas[caminho])
        else:
            route.fulfill(status=404, body="")

    contexto.route(f"{portal.url}/axe/**", servir)
    contexto.route(f"{portal.url}/static/img/**", servir)
    yield contexto
    contexto.close()


def test_auditor_aponta_violacao_grave_com_url_regra_e_seletor(contexto, portal):
    auditor = AuditorAxe(portal.url)
    auditor.ligar(contexto)
    page = contexto.new_page()

    page.goto("/axe/correta/")
    auditor.esperar(page)
    assert auditor.violacoes == []
    page.goto("/axe/sem-alt/")
    auditor.esperar(page)
    page.goto("/axe/sem-alt/")  # a mesma página de novo: não é analisada outra vez
    auditor.esperar(page)

    assert auditor.vistas == {"/axe/correta/", "/axe/sem-alt/"}
    assert len(auditor.violacoes) == 1, auditor.violacoes
    violacao = auditor.violacoes[0]
    assert violacao.startswith(f"{portal.url}/axe/sem-alt/ — image-alt (critical, 1×)")
    assert " — img — " in violacao
    assert "axe-core: 1 violação(ões) serious/critical" in auditor.relatorio()


def test_auditor_ignora_o_que_nao_e_html_do_portal(contexto, portal):
    auditor = AuditorAxe(portal.url)
    auditor.ligar(contexto)
    page = contexto.new_page()
    page.goto("data:text/html,<img src=x>")  # outra origem: nada a auditar
    auditor.esperar(page)
    assert auditor.vistas == set() and auditor.violacoes == []
