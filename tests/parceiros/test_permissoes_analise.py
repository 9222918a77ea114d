"""Quem pode analisar (``permissions.pode_analisar``): o mesmo que o ``has_perm`` do Django."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission

from accounts.models import Usuario
from parceiros.permissions import pode_analisar
from tests.factories import UsuarioFactory

pytestmark = pytest.mark.django_db
PERMISSAO = "parceiros.analisar_solicitacao"


def permissao():
    return Permission.objects.get(
        content_type__app_label="parceiros", codename="analisar_solicitacao"
    )


def pessoa(**campos):
    return UsuarioFactory(aceitou_termo=True, **campos)


def recarregada(usuario):
    return Usuario.objects.get(pk=usuario.pk)  # sem o cache de permissões do objeto


@pytest.mark.parametrize(
    ("montar", "esperado"),
    [
        (lambda: pessoa(is_staff=True), False),
        (lambda: pessoa(is_staff=False), False),
        (lambda: pessoa(is_staff=True, is_superuser=True), True),
        (lambda: pessoa(is_staff=False, is_superuser=True), False),
    ],
    ids=[
        "equipe-sem-permissao",
        "fora-da-equipe",
        "superusuaria",
        "super-fora-da-equipe",
    ],
)
def test_casos_sem_grupo(montar, esperado):
    usuario = recarregada(montar())
    assert pode_analisar(usuario) is esperado
    assert (usuario.is_staff and usuario.has_perm(PERMISSAO)) is esperado


def test_pelo_grupo_analista_ou_pela_permissao_direta_e_so_da_equipe():
    pelo_grupo, direta, fora = pessoa(is_staff=True), pessoa(is_staff=True), pessoa()
    pelo_grupo.groups.add(Group.objects.get(name="Analista"))
    direta.user_permissions.add(permissao())
    fora.groups.add(Group.objects.get(name="Analista"))

    assert pode_analisar(recarregada(pelo_grupo)) and pode_analisar(recarregada(direta))
    assert not pode_analisar(recarregada(fora))


def test_outra_permissao_do_mesmo_grupo_nao_basta():
    outro = Group.objects.create(name="Só consulta")
    outro.permissions.add(Permission.objects.get(codename="view_parceiro"))
    usuario = pessoa(is_staff=True)
    usuario.groups.add(outro)
    assert not pode_analisar(recarregada(usuario))


def test_conta_inativa_nao_analisa_nem_sendo_superusuaria_do_grupo():
    usuario = pessoa(is_staff=True, is_superuser=True)
    usuario.groups.add(Group.objects.get(name="Analista"))
    Usuario.objects.filter(pk=usuario.pk).update(is_active=False)
    inativa = recarregada(usuario)
    assert not pode_analisar(inativa) and not inativa.has_perm(PERMISSAO)


def test_anonimo_nao_analisa():
    assert not pode_analisar(AnonymousUser())
