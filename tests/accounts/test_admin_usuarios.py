"""Admin de usuários: edições pela administração ficam na trilha de auditoria."""

import pytest
from django.contrib.auth.models import Group

from cagec.core.models import RegistroAuditoria
from tests.factories import UsuarioFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def administradora(client):
    admin = UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True)
    client.force_login(admin)
    return admin


def test_edicao_no_admin_grava_antes_e_depois_dos_campos_alterados(client, administradora):
    pessoa = UsuarioFactory(nome="Pessoa Editada", email="antes@exemplo.gov.br")
    analistas = Group.objects.get(name="Analista")
    resposta = client.post(
        f"/admin/accounts/usuario/{pessoa.pk}/change/",
        {
            "nome": "Pessoa Editada",
            "email": "depois@exemplo.gov.br",
            "telefone": pessoa.telefone,
            "is_staff": "on",
            "groups": [analistas.pk],
        },
    )
    assert resposta.status_code == 302, resposta.content.decode()[:2000]
    registro = RegistroAuditoria.objects.get(acao="usuario.alterado_pela_administracao")
    assert registro.ator == administradora and registro.usuario_afetado == pessoa
    assert registro.antes == {"email": "antes@exemplo.gov.br", "is_staff": "False", "groups": []}
    assert registro.depois == {
        "email": "depois@exemplo.gov.br",
        "is_staff": "True",
        "groups": ["Analista"],
    }
    pessoa.refresh_from_db()
    assert pessoa.email == "depois@exemplo.gov.br" and pessoa.groups.get() == analistas


def test_salvar_sem_mudar_nada_nao_grava_auditoria(client, administradora):
    pessoa = UsuarioFactory()
    client.post(
        f"/admin/accounts/usuario/{pessoa.pk}/change/",
        {"nome": pessoa.nome, "email": pessoa.email, "telefone": pessoa.telefone},
    )
    assert not RegistroAuditoria.objects.filter(acao="usuario.alterado_pela_administracao")
