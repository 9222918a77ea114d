import pytest

pytestmark = pytest.mark.django_db


def test_saude_responde_ok_com_banco(client, settings):
    resposta = client.get("/saude/")
    assert resposta.status_code == 200
    assert resposta.json()["banco"] == "ok"
    esperado = "ok" if settings.REDIS_URL else "nao_configurado"
    assert resposta.json()["redis"] == esperado


def test_saude_503_com_banco_fora(client, monkeypatch):
    from cagec.lib import saude

    monkeypatch.setattr(saude, "banco", lambda: saude.Resultado("falha"))
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


def test_saude_com_redis_fora_continua_200_no_balanceador(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    resposta = client.get("/saude/")
    assert resposta.status_code == 200 and resposta.json()["redis"] == "falha"


def test_prontidao_registra_pecas_e_esconde_detalhe_de_anonimo(client, settings):
    from cagec.lib import saude

    saude.registrar("teste_peca", lambda: saude.Resultado("atencao", {"parados": 3}))
    try:
        anonimo = client.get("/saude/prontidao/").json()
        assert anonimo["teste_peca"] == {"estado": "atencao"}
        settings.SAUDE_TOKEN = "segredo-do-monitor"
        com_token = client.get(
            "/saude/prontidao/", HTTP_AUTHORIZATION="Bearer segredo-do-monitor"
        ).json()
        assert com_token["teste_peca"] == {"estado": "atencao", "parados": 3}
    finally:
        saude._VERIFICACOES.pop("teste_peca")


def test_prontidao_503_quando_uma_peca_falha_e_verificacao_quebrada_vira_falha(client):
    from cagec.lib import saude

    def quebrada():
        raise RuntimeError("x")

    saude.registrar("teste_quebrada", quebrada)
    try:
        resposta = client.get("/saude/prontidao/")
        assert resposta.status_code == 503
        assert resposta.json()["teste_quebrada"]["estado"] == "falha"
    finally:
        saude._VERIFICACOES.pop("teste_quebrada")


def test_prontidao_anonima_tem_limite_por_ip_e_o_monitoramento_nao(client, settings):
    """Cada chamada grava um arquivo de prova na mídia: 1 000 chamadas anônimas não passam."""
    settings.SAUDE_PRONTIDAO_LIMITE_POR_IP = "3/m"
    settings.SAUDE_TOKEN = "segredo-do-monitor"
    anonimas = [client.get("/saude/prontidao/").status_code for _ in range(5)]
    assert anonimas[:3] == [200, 200, 200] and anonimas[3:] == [429, 429]
    monitor = [
        client.get("/saude/prontidao/", HTTP_AUTHORIZATION="Bearer segredo-do-monitor").status_code
        for _ in range(5)
    ]
    assert monitor == [200] * 5
    assert client.get("/saude/").status_code == 200  # o balanceador não é limitado
