"""Admin: a chave e o segredo do webhook aparecem uma vez; revogar e reenviar auditados."""

import pytest
from django.urls import reverse

from api import services
from api.models import ChaveApi, EntregaWebhook, UsoDiarioChaveApi, Webhook
from cagec.core.models import RegistroAuditoria
from parceiros import situacao
from parceiros.models import Parceiro
from tests.factories import UsuarioFactory

from .apoio import nova_chave

pytestmark = pytest.mark.django_db


@pytest.fixture
def equipe(client):
    pessoa = UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True)
    client.force_login(pessoa)
    return pessoa


def _criar_pelo_admin(client):
    dados = {
        "nome": "SIGCON-MG",
        "contato_email": "sigcon@mg.gov.br",
        "contato_telefone": "",
        "limite_por_minuto": "300",
        "usos-TOTAL_FORMS": "0",
        "usos-INITIAL_FORMS": "0",
    }
    return client.post(reverse("admin:api_chaveapi_add"), dados)


def test_chave_criada_no_admin_aparece_uma_vez(client, equipe):
    resposta = _criar_pelo_admin(client)
    assert resposta.status_code == 200
    assert "no-store" in resposta["Cache-Control"]
    chave = ChaveApi.objects.get()
    texto = resposta.context["segredo"]
    assert texto.startswith(f"cagec_{chave.prefixo}_")
    assert texto in resposta.content.decode()
    assert "mostrado só desta vez" in resposta.content.decode()
    assert (chave.criada_por, chave.limite_por_minuto) == (equipe, 300)
    assert RegistroAuditoria.objects.filter(acao="api.chave_criada", ator=equipe).exists()
    pagina = client.get(reverse("admin:api_chaveapi_change", args=[chave.pk])).content.decode()
    lista = client.get(reverse("admin:api_chaveapi_changelist")).content.decode()
    assert texto not in pagina and texto not in lista
    assert chave.prefixo in lista


def test_chave_sem_contato_volta_com_erro(client, equipe):
    dados = {"nome": "Sem contato", "limite_por_minuto": "60"}
    dados |= {"usos-TOTAL_FORMS": "0", "usos-INITIAL_FORMS": "0"}
    resposta = client.post(reverse("admin:api_chaveapi_add"), dados)
    assert resposta.status_code == 200
    assert "Informe um e-mail ou um telefone de contato." in resposta.content.decode()
    assert not ChaveApi.objects.exists()


def test_alterar_o_limite_no_admin_fica_na_auditoria(client, equipe):
    chave, _ = nova_chave(limite=60)
    dados = {"nome": chave.nome, "contato_email": chave.contato_email, "contato_telefone": ""}
    dados |= {"limite_por_minuto": "600", "usos-TOTAL_FORMS": "0", "usos-INITIAL_FORMS": "0"}
    client.post(reverse("admin:api_chaveapi_change", args=[chave.pk]), dados)
    chave.refresh_from_db()
    assert chave.limite_por_minuto == 600
    registro = RegistroAuditoria.objects.get(acao="api.chave_alterada")
    assert (registro.ator, registro.antes, registro.depois) == (
        equipe,
        {"limite_por_minuto": "60"},
        {"limite_por_minuto": "600"},
    )


def test_revogar_pela_acao_do_admin(client, equipe):
    chave, _ = nova_chave()
    dados = {"action": "revogar", "_selected_action": [chave.pk]}
    client.post(reverse("admin:api_chaveapi_changelist"), dados)
    chave.refresh_from_db()
    assert chave.revogada_em is not None and chave.revogada_por == equipe
    assert RegistroAuditoria.objects.filter(acao="api.chave_revogada", ator=equipe).exists()
    lista = client.get(reverse("admin:api_chaveapi_changelist")).content.decode()
    assert "Revogada" in lista


def test_uso_diario_na_chave_e_na_lista_filtravel(client, equipe):
    chave, _ = nova_chave()
    UsoDiarioChaveApi.objects.create(chave=chave, dia="2026-12-01", chamadas=4321)
    pagina = client.get(reverse("admin:api_chaveapi_change", args=[chave.pk])).content.decode()
    assert "4321" in pagina
    lista = client.get(
        reverse("admin:api_usodiariochaveapi_changelist"), {"chave__id__exact": chave.pk}
    )
    assert lista.status_code == 200 and "4321" in lista.content.decode()


def test_webhook_cadastrado_pela_equipe_mostra_o_segredo_uma_vez(client, equipe, receptor):
    chave, _ = nova_chave()
    dados = {"chave": chave.pk, "url": receptor.url, "eventos": ["parceiro.situacao_alterada"]}
    resposta = client.post(reverse("admin:api_webhook_add"), dados)
    webhook = Webhook.objects.get()
    assert resposta.context["segredo"] == webhook.segredo
    assert webhook.eventos == ["parceiro.situacao_alterada"]
    lista = client.get(reverse("admin:api_webhook_changelist")).content.decode()
    assert webhook.segredo not in lista


def test_webhook_em_endereco_interno_e_recusado_no_admin(client, equipe, settings):
    settings.API_WEBHOOK_PERMITIR_REDE_LOCAL = False
    chave, _ = nova_chave()
    dados = {
        "chave": chave.pk,
        "url": "https://127.0.0.1/x",
        "eventos": ["parceiro.situacao_alterada"],
    }
    resposta = client.post(reverse("admin:api_webhook_add"), dados)
    assert "endereço interno" in resposta.content.decode()
    assert not Webhook.objects.exists()


def test_entregas_no_admin_com_reenviar(
    client, equipe, receptor, parceiro, django_capture_on_commit_callbacks
):
    chave, _ = nova_chave()
    services.cadastrar_webhook(chave, receptor.url)
    receptor.codigos = [500]
    Parceiro.objects.filter(pk=parceiro.pk).update(situacao=Parceiro.Situacao.REGULAR)
    with django_capture_on_commit_callbacks(execute=True):
        situacao.recalcular(parceiro)
    entrega = EntregaWebhook.objects.get()
    EntregaWebhook.objects.update(status=EntregaWebhook.Status.FALHOU)
    lista = client.get(reverse("admin:api_entregawebhook_changelist")).content.decode()
    assert "500" in lista and parceiro.cnpj in lista
    receptor.codigos = [200]
    dados = {"action": "reenviar", "_selected_action": [entrega.pk]}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:api_entregawebhook_changelist"), dados)
    entrega.refresh_from_db()
    assert entrega.status == EntregaWebhook.Status.ENTREGUE
    assert RegistroAuditoria.objects.filter(acao="api.entregas_reenviadas", ator=equipe).exists()
