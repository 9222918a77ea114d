"""Webhooks contra um receptor HTTP de verdade no loopback: caixa de saída, assinatura,
novas tentativas com espera, uma entrega por evento, chave revogada para tudo."""

import hashlib
import hmac
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api import entregas, services, tasks
from api.models import EntregaWebhook, Evento
from parceiros import situacao
from parceiros.models import Parceiro
from parceiros.services import alterar_pela_administracao
from tests.factories import CNPJ_ASSOCIACAO, parceiro_com_rl

from .apoio import nova_chave

pytestmark = pytest.mark.django_db
REGULAR, IRREGULAR = Parceiro.Situacao.REGULAR, Parceiro.Situacao.IRREGULAR
Status = EntregaWebhook.Status


@pytest.fixture
def inscrito(receptor):
    chave, _ = nova_chave()
    webhook, segredo = services.cadastrar_webhook(chave, receptor.url)
    return chave, webhook, segredo


def _virar_irregular(parceiro):
    """Grava Regular por fora e recalcula: sem documentos, volta a Irregular (uma mudança)."""
    Parceiro.objects.filter(pk=parceiro.pk).update(situacao=REGULAR)
    return situacao.recalcular(parceiro, motivo="Teste")


def _vencer_a_espera():
    EntregaWebhook.objects.update(proxima_tentativa_em=timezone.now() - timedelta(seconds=1))


def test_mudanca_de_situacao_envia_post_assinado(
    parceiro, inscrito, receptor, django_capture_on_commit_callbacks
):
    _, webhook, segredo = inscrito
    with django_capture_on_commit_callbacks(execute=True):
        assert _virar_irregular(parceiro) == IRREGULAR
    assert len(receptor.recebidos) == 1
    pedido = receptor.recebidos[0]
    entrega = EntregaWebhook.objects.get()
    assert pedido.caminho == "/cagec/eventos"
    assert pedido.json == {
        "evento": "parceiro.situacao_alterada",
        "cnpj": parceiro.cnpj,
        "situacao_anterior": REGULAR,
        "situacao": IRREGULAR,
        "possui_impedimento": False,
        "causas": [],
        "versao": Parceiro.objects.get(pk=parceiro.pk).versao_publica,
        "ocorrido_em": entrega.ocorrido_em.isoformat(),
        "entrega_id": str(entrega.pk),
    }
    carimbo = pedido.cabecalhos["X-Cagec-Carimbo"]
    esperada = hmac.new(segredo.encode(), f"{carimbo}.".encode() + pedido.corpo, hashlib.sha256)
    assert pedido.cabecalhos["X-Cagec-Assinatura"] == f"sha256={esperada.hexdigest()}"
    assert pedido.cabecalhos["X-Cagec-Entrega"] == str(entrega.pk)
    assert pedido.cabecalhos["X-Cagec-Evento"] == "parceiro.situacao_alterada"
    assert (entrega.status, entrega.tentativas, entrega.ultimo_codigo) == (Status.ENTREGUE, 1, 200)
    assert entrega.ultima_resposta == "recebido"


def test_assinatura_com_outro_segredo_nao_confere(parceiro, inscrito, receptor):
    _virar_irregular(parceiro)
    tasks.entregar_webhooks()
    pedido = receptor.recebidos[0]
    carimbo = pedido.cabecalhos["X-Cagec-Carimbo"]
    errada = entregas.assinatura("outro-segredo", carimbo, pedido.corpo)
    assert pedido.cabecalhos["X-Cagec-Assinatura"] != errada


def test_mudanca_desfeita_nao_deixa_entrega(parceiro, inscrito, receptor):
    with pytest.raises(RuntimeError), transaction.atomic():
        _virar_irregular(parceiro)
        assert EntregaWebhook.objects.count() == 1
        raise RuntimeError("a transação da mudança falhou")
    assert not EntregaWebhook.objects.exists()


def test_sem_mudanca_nao_ha_entrega(parceiro, inscrito, receptor):
    situacao.recalcular(parceiro)  # já Irregular
    assert not EntregaWebhook.objects.exists()


def test_500_tenta_de_novo_depois_da_espera(parceiro, inscrito, receptor):
    receptor.codigos = [500, 200]
    _virar_irregular(parceiro)
    antes = timezone.now()
    tasks.entregar_webhooks()
    entrega = EntregaWebhook.objects.get()
    assert (entrega.status, entrega.tentativas, entrega.ultimo_codigo) == (Status.PENDENTE, 1, 500)
    espera = entrega.proxima_tentativa_em - antes
    assert timedelta(seconds=22) <= espera <= timedelta(seconds=38)  # 30 s ± 25 %
    tasks.entregar_webhooks()  # a vez dela não chegou
    assert len(receptor.recebidos) == 1
    _vencer_a_espera()
    tasks.entregar_webhooks()
    entrega.refresh_from_db()
    assert (entrega.status, entrega.tentativas, entrega.ultimo_codigo) == (Status.ENTREGUE, 2, 200)
    ids = {pedido.cabecalhos["X-Cagec-Entrega"] for pedido in receptor.recebidos}
    assert ids == {str(entrega.pk)}  # o mesmo id nas duas tentativas: o cliente deduplica


def test_espera_dobra_a_cada_falha_ate_o_teto(settings):
    settings.API_WEBHOOK_ESPERA_BASE = timedelta(seconds=30)
    settings.API_WEBHOOK_ESPERA_TETO = timedelta(minutes=10)
    for tentativas, segundos in [(1, 30), (2, 60), (3, 120), (5, 480)]:
        espera = entregas.espera(tentativas).total_seconds()
        assert segundos * 0.75 <= espera <= segundos * 1.25, tentativas
    assert entregas.espera(20) <= timedelta(minutes=10)


def test_desiste_depois_do_maximo_de_tentativas(parceiro, inscrito, receptor, settings):
    settings.API_WEBHOOK_MAX_TENTATIVAS = 3
    receptor.codigos = [503]
    _virar_irregular(parceiro)
    for _ in range(4):
        _vencer_a_espera()
        tasks.varrer_webhooks()
    entrega = EntregaWebhook.objects.get()
    assert (entrega.status, entrega.tentativas) == (Status.FALHOU, 3)
    assert entrega.ultimo_erro == "HTTP 503"
    assert len(receptor.recebidos) == 3


def test_redirecionamento_nao_e_seguido(parceiro, inscrito, receptor):
    receptor.codigos = [302]
    _virar_irregular(parceiro)
    tasks.entregar_webhooks()
    entrega = EntregaWebhook.objects.get()
    assert (entrega.status, entrega.ultimo_codigo) == (Status.PENDENTE, 302)
    assert len(receptor.recebidos) == 1


def test_tarefa_duas_vezes_entrega_uma_vez(parceiro, inscrito, receptor):
    _virar_irregular(parceiro)
    tasks.entregar_webhooks()
    tasks.entregar_webhooks()
    tasks.varrer_webhooks()
    assert len(receptor.recebidos) == 1


def test_entrega_reivindicada_por_outra_tarefa_nao_e_enviada_de_novo(parceiro, inscrito, receptor):
    _virar_irregular(parceiro)
    reivindicacao, linhas = entregas.reivindicar_lote(10)  # outra tarefa, no meio do envio
    assert tasks.entregar_webhooks() == 0
    assert tasks.varrer_webhooks() == 0  # ainda não esquecida: a varredura não a pega
    assert receptor.recebidos == []
    assert entregas.enviar(linhas[0], reivindicacao) == Status.ENTREGUE
    assert len(receptor.recebidos) == 1


def test_worker_morto_no_envio_a_varredura_reenvia_com_o_mesmo_id(
    parceiro, inscrito, receptor, settings
):
    _virar_irregular(parceiro)
    entregas.reivindicar_lote(10)  # e o worker morreu antes do POST
    settings.API_WEBHOOK_RECONCILIAR_APOS = timedelta(0)
    assert tasks.varrer_webhooks() == 1
    entrega = EntregaWebhook.objects.get()
    assert entrega.status == Status.ENTREGUE
    assert [p.cabecalhos["X-Cagec-Entrega"] for p in receptor.recebidos] == [str(entrega.pk)]


def test_chave_revogada_para_os_webhooks(parceiro, inscrito, receptor):
    chave, _, _ = inscrito
    _virar_irregular(parceiro)  # entrega já na fila
    services.revogar_chave(chave, ator=None)
    tasks.entregar_webhooks()
    assert EntregaWebhook.objects.get().status == Status.CANCELADA
    _virar_irregular(parceiro)  # mudança depois da revogação: nenhuma entrega nova
    tasks.entregar_webhooks()
    assert EntregaWebhook.objects.count() == 1
    assert receptor.recebidos == []


def test_webhook_desativado_nao_recebe(parceiro, inscrito, receptor):
    _, webhook, _ = inscrito
    _virar_irregular(parceiro)
    services.desativar_webhook(webhook)
    tasks.entregar_webhooks()
    assert EntregaWebhook.objects.get().status == Status.CANCELADA
    assert receptor.recebidos == []


def test_recalculo_noturno_grava_as_entregas_num_insert_so(parceiro, inscrito, receptor):
    outro = parceiro_com_rl(cnpj=CNPJ_ASSOCIACAO, cargo="Presidente")
    services.cadastrar_webhook(inscrito[0], receptor.url)  # dois webhooks
    Parceiro.objects.filter(pk__in=[parceiro.pk, outro.pk]).update(situacao=REGULAR)
    with CaptureQueriesContext(connection) as consultas:
        assert situacao.recalcular_todos() == 2
    inserts = [
        c["sql"] for c in consultas if "INSERT INTO" in c["sql"] and "api_entrega" in c["sql"]
    ]
    assert len(inserts) == 1
    linhas = EntregaWebhook.objects.values_list("parceiro_id", "situacao_anterior", "situacao")
    assert sorted(linhas) == sorted(
        [(p.pk, REGULAR, IRREGULAR) for p in (parceiro, outro) for _ in range(2)]
    )
    tasks.entregar_webhooks()
    assert len(receptor.recebidos) == 4


def test_recalculo_noturno_sem_mudanca_nao_grava_nem_falha(parceiro, inscrito, receptor):
    assert situacao.recalcular_todos() == 0
    assert not EntregaWebhook.objects.exists()


def test_impedimento_alterado_envia_as_causas(parceiro, inscrito, receptor, analista):
    alterar_pela_administracao(parceiro, ator=analista, cadin_bloqueado=True)
    tasks.entregar_webhooks()
    (pedido,) = receptor.recebidos
    assert pedido.json["evento"] == "parceiro.impedimento_alterado"
    assert pedido.json["possui_impedimento"] is True
    assert pedido.json["causas"] == ["CADIN-MG"]
    assert pedido.json["situacao"] == pedido.json["situacao_anterior"] == IRREGULAR


def test_so_os_eventos_pedidos(parceiro, receptor, analista):
    chave, _ = nova_chave()
    services.cadastrar_webhook(chave, receptor.url, eventos=[Evento.SITUACAO])
    alterar_pela_administracao(parceiro, ator=analista, siafi_bloqueado=True)
    assert not EntregaWebhook.objects.exists()
    _virar_irregular(parceiro)
    assert EntregaWebhook.objects.get().evento == Evento.SITUACAO


def test_reenviar_pelo_servico(parceiro, inscrito, receptor, django_capture_on_commit_callbacks):
    _virar_irregular(parceiro)
    tasks.entregar_webhooks()
    entrega = EntregaWebhook.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reenviar_entregas([entrega.pk]) == 1
    assert len(receptor.recebidos) == 2
    entrega.refresh_from_db()
    assert (entrega.status, entrega.tentativas) == (Status.ENTREGUE, 1)


def test_o_trecho_de_verificacao_da_documentacao_confere_uma_entrega_real(
    parceiro, inscrito, receptor
):
    """O código Python do README (seção de integração) aceita a entrega e recusa adulterada."""
    texto = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    trecho = texto.split("```python\n", 1)[1].split("```", 1)[0]
    escopo: dict = {}
    exec(trecho, escopo)  # noqa: S102 — o trecho é do próprio repositório
    _virar_irregular(parceiro)
    tasks.entregar_webhooks()
    pedido = receptor.recebidos[0]
    segredo = inscrito[2]
    valida = escopo["assinatura_valida"]
    assert valida(segredo, pedido.cabecalhos, pedido.corpo) is True
    assert (
        valida(segredo, pedido.cabecalhos, pedido.corpo.replace(b"irregular", b"regular")) is False
    )
    assert valida("outro", pedido.cabecalhos, pedido.corpo) is False
