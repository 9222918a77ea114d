"""Batimento do worker (``cagec.worker``) e a verificação ``worker`` de /saude/prontidao/."""

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.conf import settings as configuracao
from django.utils import timezone

from cagec.worker import batimento, tasks
from cagec.worker.models import BatimentoWorker

pytestmark = pytest.mark.django_db


@pytest.fixture
def com_worker(settings):
    """Como em produção: Celery de verdade (não eager), prazos padrão."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.WORKER_BATIMENTO_ATENCAO = timedelta(minutes=3)
    settings.WORKER_BATIMENTO_FALHA = timedelta(minutes=10)
    return settings


def test_sem_worker_no_modo_embutido_nao_se_aplica(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert batimento.verificar().estado == "nao_configurado"


def test_sem_batimento_ainda_pede_atencao(com_worker):
    assert batimento.verificar().estado == "atencao"


@pytest.mark.parametrize(
    ("idade", "estado"),
    [
        (timedelta(seconds=30), "ok"),
        (timedelta(minutes=4), "atencao"),
        (timedelta(minutes=11), "falha"),
    ],
)
def test_estado_pela_idade_do_ultimo_batimento(com_worker, idade, estado):
    agora = timezone.now()
    batimento.bater("celery@a", agora - idade)
    batimento.bater("celery@b", agora - idade - timedelta(hours=1))  # outro, mais velho
    resultado = batimento.verificar(agora)
    assert resultado.estado == estado
    assert resultado.detalhe["segundos"] == round(idade.total_seconds())


def test_bater_guarda_uma_linha_por_worker_e_conta():
    tasks.bater.apply()
    tasks.bater.apply()
    linha = BatimentoWorker.objects.get()
    assert linha.batimentos == 2
    assert timezone.now() - linha.em < timedelta(seconds=30)


def test_prontidao_mostra_o_worker_e_falha_com_batimento_velho(client, com_worker):
    batimento.bater("celery@a", timezone.now() - timedelta(minutes=30))
    resposta = client.get("/saude/prontidao/")
    assert resposta.status_code == 503
    assert resposta.json()["worker"] == {"estado": "falha"}
    batimento.bater("celery@a")
    assert client.get("/saude/prontidao/").json()["worker"] == {"estado": "ok"}


def test_beat_agenda_o_batimento_e_o_trabalho_do_banco_a_cada_minuto():
    agenda = {v["task"]: v for v in configuracao.CELERY_BEAT_SCHEDULE.values()}
    for tarefa in (
        "cagec.worker.tasks.bater",
        "accounts.tasks.processar_convites",
        "parceiros.tasks.retomar_importacoes_paradas",
    ):
        assert agenda[tarefa]["schedule"] == timedelta(minutes=1)
        # Mensagens do beat que ficaram na fila (worker parado) não se acumulam.
        assert agenda[tarefa]["options"]["expires"] < 60


# --- Supervisão: o que traz o worker de volta quando ele sai -----------------------------------
RAIZ = Path(__file__).resolve().parents[1]


def test_compose_reinicia_todos_os_servicos():
    compose = yaml.safe_load((RAIZ / "docker-compose.yml").read_text(encoding="utf-8"))
    sem = [n for n, s in compose["services"].items() if s.get("restart") != "unless-stopped"]
    assert not sem, f"serviços sem restart: {sem}"
    assert "healthcheck" in compose["services"]["worker"]


def test_unidade_systemd_documentada_reinicia_sempre():
    texto = (RAIZ / "docs" / "operacao.md").read_text(encoding="utf-8")
    secao = texto.split("## Falhas: fila, worker e importação", 1)[1].split("\n## ", 1)[0]
    unidade = secao.split("```ini", 1)[1].split("```", 1)[0]
    for linha in ("Restart=always", "StartLimitIntervalSec=0", "ExecStart=", "celery -A cagec"):
        assert linha in unidade, linha
