"""Páginas de erro em português, com o layout do portal."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_formulario_sem_csrf_mostra_pagina_explicando_o_que_fazer():
    cliente = Client(enforce_csrf_checks=True)
    resposta = cliente.post("/entrar/", {"cpf": "52998224725", "senha": "x"})
    assert resposta.status_code == 403
    pagina = resposta.content.decode()
    assert "O formulário expirou" in pagina
    assert "Recarregue a página" in pagina
    assert "CSRF" not in pagina


@pytest.mark.django_db
def test_pagina_inexistente_em_portugues(client):
    resposta = client.get("/nao-existe/")
    assert resposta.status_code == 404
    assert "Página não encontrada" in resposta.content.decode()


# --- Banco fora do ar: 503 com Retry-After e a página em português ---------------------------

PAGINA_503 = "Serviço temporariamente indisponível"


def _banco_recusou():
    """O erro que o Django levanta quando o PostgreSQL recusa a conexão."""
    import psycopg
    from django.db import OperationalError

    try:
        try:
            raise psycopg.OperationalError("connection refused")
        except psycopg.OperationalError as causa:
            raise OperationalError("connection refused") from causa
    except OperationalError as erro:
        return erro


def _com_causa(erro_django, causa):
    try:
        try:
            raise causa
        except type(causa) as c:
            raise erro_django from c
    except type(erro_django) as e:
        return e


def test_so_erros_de_conexao_contam_como_banco_fora():
    import sqlite3

    from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError
    from psycopg import errors

    from cagec.views import banco_fora

    assert banco_fora(_banco_recusou())
    assert banco_fora(InterfaceError("connection already closed"))
    assert banco_fora(_com_causa(OperationalError("x"), errors.AdminShutdown("desligando")))
    assert banco_fora(_com_causa(OperationalError("x"), errors.CannotConnectNow("subindo")))
    assert not banco_fora(_com_causa(OperationalError("x"), errors.DeadlockDetected("deadlock")))
    assert not banco_fora(_com_causa(OperationalError("x"), errors.QueryCanceled("timeout")))
    assert not banco_fora(_com_causa(OperationalError("x"), sqlite3.OperationalError("locked")))
    assert not banco_fora(OperationalError("sem causa"))
    assert not banco_fora(IntegrityError("duplicada"))
    assert not banco_fora(DatabaseError("outro"))
    assert not banco_fora(None)


def _confere_503(resposta):
    assert resposta.status_code == 503
    assert resposta["Retry-After"] == "30"
    html = resposta.content.decode()
    assert '<html lang="pt-BR">' in html
    assert PAGINA_503 in html and "Tente novamente em 1 minuto." in html
    assert "Ocorreu um erro inesperado" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_banco_fora_na_view_responde_503(settings, monkeypatch, debug):
    from declaracoes import consulta

    settings.DEBUG = debug  # com DEBUG (make run) o middleware das páginas de erro responde

    def recusar(*args, **kwargs):
        raise _banco_recusou()

    monkeypatch.setattr(consulta, "tipos_de_parceiro", recusar)
    cliente = Client(raise_request_exception=False)
    _confere_503(cliente.get("/consulta/", {"nome": "prefeitura"}))


@pytest.mark.django_db
def test_banco_fora_num_middleware_antes_da_view_responde_503(settings, monkeypatch, usuario):
    """Logado: a sessão (no banco) cai já no middleware; o handler500 vira 503."""
    from django.contrib.sessions.backends.db import SessionStore

    settings.DEBUG = False
    cliente = Client(raise_request_exception=False)
    cliente.force_login(usuario)

    def recusar(self):
        raise _banco_recusou()

    monkeypatch.setattr(SessionStore, "_get_session_from_db", recusar)
    _confere_503(cliente.get("/painel/"))


def test_pagina_503_nao_toca_banco_sessao_nem_usuario():
    """Sem a marca django_db: qualquer consulta ao banco levantaria RuntimeError aqui."""
    from django.test import RequestFactory

    from cagec import views

    class Explode:
        def __getattr__(self, nome):
            raise AssertionError(f"a página 503 leu {nome}")

    request = RequestFactory().get("/painel/")
    request.user = Explode()
    request.session = Explode()
    _confere_503(views.servico_indisponivel(request))


@pytest.mark.django_db
def test_saude_com_banco_fora_e_503_com_retry_after(client, monkeypatch):
    from cagec.lib import saude

    monkeypatch.setattr(saude, "banco", lambda: saude.Resultado("falha"))
    resposta = client.get("/saude/")
    assert resposta.status_code == 503
    assert resposta["Retry-After"] == "30"
    assert resposta.json()["banco"] == "falha"


@pytest.mark.django_db
def test_banco_fora_para_quem_pede_json_responde_json(settings, monkeypatch):
    from declaracoes import consulta

    settings.DEBUG = False

    def recusar(*args, **kwargs):
        raise _banco_recusou()

    monkeypatch.setattr(consulta, "tipos_de_parceiro", recusar)
    cliente = Client(raise_request_exception=False)
    resposta = cliente.get("/consulta/", HTTP_ACCEPT="application/json")
    assert resposta.status_code == 503 and resposta["Retry-After"] == "30"
    assert resposta.json()["erro"].startswith("Serviço temporariamente indisponível")


@pytest.mark.django_db(transaction=True)
def test_banco_realmente_fora_no_cliente_de_teste_responde_503(settings):
    """PostgreSQL: a conexão aponta para uma porta onde ninguém escuta (erro real do psycopg)."""
    from django.db import connection

    from tests.servicos import porta_livre

    if connection.vendor != "postgresql":
        pytest.skip("o erro de conexão real é o do PostgreSQL (rode com DATABASE_URL)")
    settings.DEBUG = False
    porta_original = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(porta_livre())
    try:
        cliente = Client(raise_request_exception=False)
        _confere_503(cliente.get("/consulta/", {"nome": "prefeitura"}))
        resposta = cliente.get("/saude/")
        assert resposta.status_code == 503 and resposta["Retry-After"] == "30"
    finally:
        connection.close()
        connection.settings_dict["PORT"] = porta_original
    assert Client().get("/saude/").status_code == 200  # volta sem reiniciar nada
