"""PostgreSQL fora do ar: 503 com ``Retry-After`` e a página em português, e volta sozinho.

gunicorn de produção (``gunicorn.conf.py``, ``DJANGO_DEBUG=false``) falando com o banco por
um proxy TCP; ``cortar()`` derruba as conexões abertas e recusa novas — o banco "cai" para o
portal. Antes (issue #14): página 500 em português. Agora: 503, ``Retry-After: 30`` e
"Serviço temporariamente indisponível" nas páginas que precisam do banco (pública, logada,
formulário, ``/saude/``); religado, o mesmo processo volta a atender sem reiniciar.
"""

import time
import uuid

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.factories import SENHA, UsuarioFactory

from ._disjuntor import Navegador, inscrever, token_do_formulario
from .equipamento import esperar, gunicorn_de_producao, trocar_porta

pytestmark = [pytest.mark.servicos, pytest.mark.django_db(transaction=True)]

PAGINA = "Serviço temporariamente indisponível"


@pytest.fixture
def banco_por_proxy(banco_compartilhado, proxy_tcp):
    proxy = proxy_tcp("127.0.0.1", int(banco_compartilhado.rsplit(":", 1)[1].split("/")[0]))
    return proxy, trocar_porta(banco_compartilhado, proxy.porta)


@pytest.fixture
def gunicorn(ambiente_do_portal, tmp_path, _estaticos_coletados, banco_por_proxy):
    _, url = banco_por_proxy
    with gunicorn_de_producao(ambiente_do_portal, tmp_path, workers=2, banco_url=url) as g:
        yield g


def _logado(porta):
    usuario = UsuarioFactory(aceitou_termo=True)
    hasher = PBKDF2PasswordHasher()  # a suíte usa MD5, que a produção não aceita
    usuario.password = hasher.encode(SENHA, hasher.salt())
    usuario.save(update_fields=["password"])
    navegador = Navegador(porta)
    _, html, _ = navegador.pedir("GET", "/entrar/")
    dados = {"cpf": usuario.cpf, "senha": SENHA, "csrfmiddlewaretoken": token_do_formulario(html)}
    assert navegador.pedir("POST", "/entrar/", dados)[0] == 302
    return navegador


def _inscricao(navegador):
    return inscrever(navegador)[1]


def test_banco_fora_responde_503_com_retry_after_e_volta_sozinho(gunicorn, banco_por_proxy):
    proxy, _ = banco_por_proxy
    logado = _logado(gunicorn.porta)
    visitante = Navegador(gunicorn.porta)
    visitante.csrf("/inscricao/")
    assert visitante.pedir("GET", "/consulta/?nome=prefeitura")[0] == 200
    assert logado.pedir("GET", "/painel/")[0] == 200

    proxy.cortar()
    pedidos = {
        "consulta": lambda: visitante.pedir("GET", f"/consulta/?nome=x{uuid.uuid4().hex[:8]}"),
        "verificar": lambda: visitante.pedir("GET", "/verificar/ABCDEFGHJKMNPQRS/"),
        "inscricao": lambda: _inscricao(visitante),
        "painel": lambda: logado.pedir("GET", "/painel/"),
    }
    for nome, pedir in pedidos.items():
        for _ in range(2):  # cada processo do gunicorn (conexão persistente derrubada ou nova)
            inicio = time.monotonic()
            status, corpo, cabecalhos = pedir()
            duracao = time.monotonic() - inicio
            html = corpo.decode()
            assert status == 503, f"{nome}: {status}\n{html[:800]}"
            assert cabecalhos["Retry-After"] == "30", nome
            assert PAGINA in html and '<html lang="pt-BR">' in html, nome
            assert "Ocorreu um erro inesperado" not in html
            assert duracao < 5, f"{nome} levou {duracao:.1f} s"
    status, corpo, cabecalhos = visitante.pedir("GET", "/saude/")
    assert status == 503 and cabecalhos["Retry-After"] == "30"
    assert b'"banco": "falha"' in corpo
    assert "Internal Server Error" not in gunicorn.log()  # nada virou 500 pelo caminho

    proxy.religar()
    esperar(
        lambda: visitante.pedir("GET", "/saude/")[0] == 200,
        timeout=30,
        descricao="o portal voltar a falar com o banco",
    )
    for _ in range(4):  # os dois processos, sem reiniciar
        assert visitante.pedir("GET", f"/consulta/?nome=y{uuid.uuid4().hex[:8]}")[0] == 200
        assert logado.pedir("GET", "/painel/")[0] == 200
