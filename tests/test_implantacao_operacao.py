"""Padrões seguros de implantação: demonstração só no modo embutido, compose sem chave
padrão, imagem sem root e sem segredos, gunicorn no endereço certo, make audit honesto.

Não há Docker nesta máquina: o compose e o Dockerfile são conferidos como texto (YAML).
"""

import importlib.util
import re
import runpy
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from accounts.models import Usuario

RAIZ = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db  # as fixtures automáticas da suíte usam o banco


# --- carregar_demo -----------------------------------------------------------------------------
def test_carregar_demo_recusa_fora_do_modo_embutido(settings):
    settings.DEBUG = False
    saida = StringIO()
    with pytest.raises(CommandError, match="modo embutido") as erro:
        call_command("carregar_demo", stdout=saida)
    assert "createsuperuser" in str(erro.value)
    assert "Cagec#Demo2026" not in saida.getvalue()
    assert not Usuario.objects.filter(email__endswith="@demo.cagec.mg.gov.br").exists()


# --- docker compose ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((RAIZ / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_nao_tem_chave_secreta_padrao(compose):
    texto = (RAIZ / "docker-compose.yml").read_text(encoding="utf-8")
    assert not re.search(r"DJANGO_SECRET_KEY:-", texto)
    com_codigo = [nome for nome, s in compose["services"].items() if "build" in s]
    assert com_codigo == ["web", "worker", "worker-emails", "beat"]
    for nome in com_codigo:
        chave = compose["services"][nome]["environment"]["DJANGO_SECRET_KEY"]
        # ${VAR:?mensagem}: sem a variável, o compose para e mostra a mensagem.
        assert re.fullmatch(r"\$\{DJANGO_SECRET_KEY:\?Defina DJANGO_SECRET_KEY[^}]+\}", chave)


def test_compose_publica_portal_e_mailpit_so_no_loopback_por_padrao(compose):
    (web,) = compose["services"]["web"]["ports"]
    assert web == "${WEB_PORTA:-127.0.0.1:8000}:8000"
    assert compose["services"]["mailpit"]["ports"] == ["127.0.0.1:8025:8025"]
    for nome in ("postgres", "redis"):
        assert "ports" not in compose["services"][nome]


def test_beat_grava_a_agenda_fora_do_codigo(compose):
    assert "--schedule /tmp/" in compose["services"]["beat"]["command"]


# --- Imagem -----------------------------------------------------------------------------------
def test_dockerignore_deixa_segredos_e_dados_locais_fora_da_imagem():
    linhas = (RAIZ / ".dockerignore").read_text(encoding="utf-8").splitlines()
    entradas = {linha.strip() for linha in linhas if linha.strip() and not linha.startswith("#")}
    assert {".env", ".git", "db.sqlite3*", "media/", ".venv/"} <= entradas
    assert "!.env" not in entradas


def test_imagem_roda_como_usuario_sem_privilegios():
    instrucoes = [
        linha.split(None, 1)
        for linha in (RAIZ / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if linha and not linha[0].isspace() and not linha.startswith("#")
    ]
    nomes = [i[0] for i in instrucoes]
    usuarios = [i[1].strip() for i in instrucoes if i[0] == "USER"]
    assert usuarios and usuarios[-1] not in ("root", "0", "0:0")
    assert nomes.index("CMD") > len(nomes) - 1 - nomes[::-1].index("USER")
    assert "useradd" in (RAIZ / "Dockerfile").read_text(encoding="utf-8")


def test_gunicorn_escuta_o_loopback_fora_do_conteiner_e_todas_as_interfaces_na_imagem(
    monkeypatch,
):
    for variavel in ("GUNICORN_BIND", "GUNICORN_FORWARDED_ALLOW_IPS", "PROXIES_CONFIAVEIS"):
        monkeypatch.delenv(variavel, raising=False)
    config = runpy.run_path(str(RAIZ / "gunicorn.conf.py"))
    assert config["bind"] == "127.0.0.1:8000"
    assert config["forwarded_allow_ips"] == "127.0.0.1"
    assert "GUNICORN_BIND=0.0.0.0:8000" in (RAIZ / "Dockerfile").read_text(encoding="utf-8")
    monkeypatch.setenv("PROXIES_CONFIAVEIS", "10.0.0.0/8")
    config = runpy.run_path(str(RAIZ / "gunicorn.conf.py"))
    assert config["forwarded_allow_ips"] == "10.0.0.0/8"


# --- make audit -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def auditoria():
    especificacao = importlib.util.spec_from_file_location(
        "auditar_dependencias", RAIZ / ".ci" / "auditar_dependencias.py"
    )
    modulo = importlib.util.module_from_spec(especificacao)
    especificacao.loader.exec_module(modulo)
    return modulo


NAO_ACHADA = "Dependency not found on PyPI and could not be audited: django (5.2.9)"
PROJETO = {"name": "portal-cagec", "skip_reason": "distribution marked as editable"}


def resumo(auditoria, dependencias, codigo=0, permitir=False):
    relatorio = {"dependencies": dependencias, "fixes": []} if dependencias is not None else None
    return auditoria.resumir(
        relatorio, codigo, permitir_nao_auditado=permitir, projeto="portal-cagec"
    )


def test_audit_reprova_quando_nada_foi_auditado(auditoria):
    dependencias = [PROJETO, {"name": "django", "skip_reason": NAO_ACHADA}]
    codigo, texto = resumo(auditoria, dependencias)
    assert codigo == 1
    assert "NÃO AUDITADO: 1 de 1" in texto and "django" in texto
    assert "Nenhuma vulnerabilidade" not in texto


def test_audit_sem_acesso_avisa_nao_auditado_sem_reprovar_so_quando_pedido(auditoria):
    dependencias = [{"name": "django", "skip_reason": NAO_ACHADA}]
    codigo, texto = resumo(auditoria, dependencias, permitir=True)
    assert codigo == 0 and "NÃO AUDITADO" in texto
    assert resumo(auditoria, None, codigo=1)[0] == 1
    codigo, texto = resumo(auditoria, None, codigo=1, permitir=True)
    assert codigo == 0 and "NÃO AUDITADO" in texto


def test_audit_reprova_vulnerabilidade_mesmo_com_dependencias_nao_auditadas(auditoria):
    dependencias = [
        {"name": "django", "version": "5.2.0", "vulns": [{"id": "PYSEC-2025-1"}]},
        {"name": "amqp", "skip_reason": NAO_ACHADA},
    ]
    codigo, texto = resumo(auditoria, dependencias, codigo=1, permitir=True)
    assert codigo == 1 and "VULNERÁVEL: django 5.2.0: PYSEC-2025-1" in texto


def test_audit_completo_e_limpo_passa(auditoria):
    dependencias = [PROJETO, {"name": "django", "version": "5.2.9", "vulns": []}]
    codigo, texto = resumo(auditoria, dependencias)
    assert codigo == 0
    assert texto == "Nenhuma vulnerabilidade conhecida nas 1 dependências auditadas."


def test_make_audit_usa_o_resumo_honesto_e_a_ci_diz_o_que_faz():
    makefile = (RAIZ / "Makefile").read_text(encoding="utf-8")
    receita = makefile.split("\naudit:", 1)[1].split("\n\n", 1)[0]
    assert ".ci/auditar_dependencias.py" in receita
    assert "pip-audit " not in receita  # nunca o pip-audit sozinho, que "passa" sem auditar
    assert "AUDITORIA_ESTRITA ?= 1" in makefile
    ci = (RAIZ / ".ci" / "run").read_text(encoding="utf-8")
    assert 'make audit AUDITORIA_ESTRITA="${AUDITORIA_ESTRITA:-0}"' in ci
