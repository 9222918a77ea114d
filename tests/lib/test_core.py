"""``cagec.core``: os modelos de infraestrutura saíram de ``accounts`` sem trocar de tabela."""

from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType

from accounts import ganchos
from cagec.core.models import EmailSaida, RegistroAuditoria, TokenAcesso, acao_legivel
from tests.factories import UsuarioFactory

pytestmark = pytest.mark.django_db
migracao = import_module("cagec.core.migrations.0001_inicial")


@pytest.mark.parametrize(
    ("modelo", "tabela"),
    [
        (TokenAcesso, "accounts_tokenacesso"),
        (EmailSaida, "accounts_emailsaida"),
        (RegistroAuditoria, "accounts_registroauditoria"),
    ],
)
def test_modelo_mora_em_core_e_usa_a_tabela_de_antes(modelo, tabela):
    # O gatilho somente inclusão (accounts 0002) e os dados continuam na mesma tabela.
    assert modelo._meta.app_label == "core"
    assert modelo._meta.db_table == tabela


def test_migracao_leva_os_tipos_de_conteudo_e_as_permissoes_dos_grupos_para_core():
    ContentType.objects.filter(app_label="core", model="emailsaida").delete()
    antigo = ContentType.objects.create(app_label="accounts", model="emailsaida")

    migracao.para_core(apps, None)

    antigo.refresh_from_db()
    assert antigo.app_label == "core"  # mesma linha: as permissões dadas a grupos seguem
    migracao.para_accounts(apps, None)
    antigo.refresh_from_db()
    assert antigo.app_label == "accounts"


def test_migracao_nao_duplica_tipo_de_conteudo_que_ja_existe_em_core():
    existente = ContentType.objects.get_for_model(RegistroAuditoria)
    sobra = ContentType.objects.create(app_label="accounts", model="registroauditoria")

    migracao.para_core(apps, None)

    sobra.refresh_from_db()
    assert sobra.app_label == "accounts"
    assert ContentType.objects.get_for_model(RegistroAuditoria) == existente


@pytest.mark.parametrize("modelo", ["emailsaida", "registroauditoria"])
def test_admin_dos_modelos_movidos_abre_em_core(client, modelo):
    client.force_login(UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True))
    assert client.get(f"/admin/core/{modelo}/").status_code == 200
    assert client.get(f"/admin/accounts/{modelo}/").status_code == 404


def test_rotulos_vem_dos_apps_registrados_no_ready():
    # ``accounts`` registra ACOES_LEGIVEIS; ``parceiros`` os estados de Documento/Solicitação.
    assert acao_legivel("usuario.login") == "Entrada no portal"
    assert acao_legivel("documento.aprovado") == "Documento: aprovado"


def test_apps_de_cima_se_inscrevem_nos_ganchos_de_accounts():
    modulos = {f.__module__ for f in ganchos._PAINEL}
    assert modulos == {"parceiros.selectors", "declaracoes.selectors"}
    assert [f.__module__ for f in ganchos._SESSAO_ABERTA] == ["parceiros.permissions"]
    assert [f.__module__ for f in ganchos._NOME_ALTERADO] == ["parceiros.situacao"]
