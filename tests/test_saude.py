import pytest

pytestmark = pytest.mark.django_db


def test_saude_responde_ok_com_banco(client, settings):
    resposta = client.get("/saude/")
    assert resposta.status_code == 200
    assert resposta.json()["banco"] == "ok"
    esperado = "ok" if settings.REDIS_URL else "nao_configurado"
    assert resposta.json()["redis"] == esperado


def test_saude_503_com_redis_fora(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    resposta = client.get("/saude/")
    assert resposta.status_code == 503 and resposta.json()["redis"] == "falha"


def test_saude_503_com_banco_fora(client, monkeypatch):
    from cagec import views

    monkeypatch.setattr(views, "_verificar_banco", lambda: "falha")
    assert client.get("/saude/").status_code == 503


def test_paginas_publicas_em_portugues(client):
    for url in ["/", "/consulta/", "/verificar/", "/termos/"]:
        html = client.get(url).content.decode()
        assert '<html lang="pt-BR">' in html and html.count("<h1") == 1


def test_404_em_portugues(client):
    resposta = client.get("/nao-existe/")
    assert resposta.status_code == 404


def test_cabecalho_tem_menu_entrar(client):
    html = client.get("/").content.decode()
    for item in [
        "ENTRAR",
        "Novo usuário",
        "Usuário existente",
        "Esqueceu sua senha ou usuário bloqueado?",
        "Pular para o conteúdo",
    ]:
        assert item in html


def test_cabecalhos_de_seguranca(client):
    resposta = client.get("/")
    assert resposta["X-Frame-Options"] == "DENY"
    csp = resposta["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert resposta["X-Content-Type-Options"] == "nosniff"


def test_auditoria_e_somente_inclusao_no_postgresql(usuario):
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    from cagec.core.models import RegistroAuditoria

    if connection.vendor != "postgresql":
        pytest.skip("O gatilho de somente inclusão existe só no PostgreSQL")
    registro = RegistroAuditoria.objects.filter(usuario_afetado=usuario).first()
    with pytest.raises(DatabaseError, match="somente inclusão"), transaction.atomic():
        RegistroAuditoria.objects.filter(pk=registro.pk).update(acao="adulterado")
    with pytest.raises(DatabaseError, match="somente inclusão"), transaction.atomic():
        RegistroAuditoria.objects.filter(pk=registro.pk).delete()
