"""django-axes guarda só o que o bloqueio usa (issue #11, item 20).

Nenhum CPF completo nem dados do formulário nas tentativas; o bloqueio continua por CPF
(dois CPFs com a mesma máscara não se bloqueiam um ao outro); o desbloqueio do admin e o
acerto da senha zeram as falhas; o admin do axes mostra o CPF mascarado.
"""

from importlib import import_module

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps as apps_globais
from django.conf import settings
from django.utils import timezone

from accounts import services
from cagec.lib.documentos import calcular_dv_cpf, mascarar_cpf
from tests.factories import SENHA, UsuarioFactory

pytestmark = pytest.mark.django_db
migracao = import_module("accounts.migrations.0005_segredos_caixa_saida_e_axes")


def entrar(client, cpf, senha=SENHA):
    return client.post("/entrar/", {"cpf": cpf, "senha": senha})


def errar_ate_bloquear(client, cpf):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        entrar(client, cpf, "Errada#123")


def gravado_pelo_axes():
    """Tudo o que o axes gravou, como texto."""
    linhas = [
        *AccessAttempt.objects.values_list("username", "get_data", "post_data"),
        *AccessFailureLog.objects.values_list("username"),
        *AccessLog.objects.values_list("username"),
    ]
    return "\n".join(str(valor) for linha in linhas for valor in linha)


def mesma_mascara(cpf):
    """Outro CPF válido com os mesmos dígitos visíveis na máscara (***.456.789-**)."""
    for inicio in range(1000):
        base = f"{inicio:03d}{cpf[3:9]}"
        outro = base + calcular_dv_cpf(base)
        if outro != cpf and mascarar_cpf(outro) == mascarar_cpf(cpf):
            return outro
    raise AssertionError("sem CPF com a mesma máscara")


def test_tentativa_errada_nao_guarda_cpf_completo_nem_o_formulario(client):
    usuario = UsuarioFactory()
    entrar(client, usuario.cpf, "Errada#123")
    pontuado = f"{usuario.cpf[:3]}.{usuario.cpf[3:6]}.{usuario.cpf[6:9]}-{usuario.cpf[9:]}"
    entrar(client, pontuado, "Errada#123")

    tentativa = AccessAttempt.objects.get()  # as duas formas do CPF contam juntas
    assert tentativa.failures_since_start == 2
    assert tentativa.username.startswith(mascarar_cpf(usuario.cpf))
    assert tentativa.get_data == "" and tentativa.post_data == ""
    assert AccessFailureLog.objects.count() == 2
    gravado = gravado_pelo_axes()
    assert usuario.cpf not in gravado and pontuado not in gravado


def test_bloqueio_continua_por_cpf_e_nao_pega_outro_cpf_com_a_mesma_mascara(client):
    usuario = UsuarioFactory()
    vizinho = UsuarioFactory(cpf=mesma_mascara(usuario.cpf))
    errar_ate_bloquear(client, usuario.cpf)

    assert entrar(client, usuario.cpf).status_code == 429
    assert entrar(client, vizinho.cpf).status_code == 302


def test_entrar_com_a_senha_certa_zera_as_falhas_e_nao_grava_acesso_com_cpf(client):
    usuario = UsuarioFactory()
    entrar(client, usuario.cpf, "Errada#123")
    assert entrar(client, usuario.cpf).status_code == 302

    assert not AccessAttempt.objects.exists()
    assert not AccessLog.objects.exists()  # a entrada está na auditoria (usuario.login)
    assert usuario.cpf not in gravado_pelo_axes()


def test_desbloqueio_pela_administracao_libera_o_cpf_bloqueado(client):
    usuario = UsuarioFactory()
    errar_ate_bloquear(client, usuario.cpf)
    assert entrar(client, usuario.cpf).status_code == 429

    services.desbloquear(usuario)

    assert entrar(client, usuario.cpf).status_code == 302


def test_redefinir_a_senha_libera_o_cpf_bloqueado(client):
    usuario = UsuarioFactory()
    errar_ate_bloquear(client, usuario.cpf)
    token = services._emitir_token(
        usuario, services.Finalidade.RECUPERACAO_SENHA, settings.RECUPERACAO_SENHA_VALIDADE
    ).gerar_segredo()

    services.redefinir_senha(token, senha="Nova#Senha123")

    assert entrar(client, usuario.cpf, "Nova#Senha123").status_code == 302


def test_admin_do_axes_mostra_o_cpf_mascarado(client):
    usuario = UsuarioFactory()
    entrar(client, usuario.cpf, "Errada#123")
    client.force_login(UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True))

    for url in ("/admin/axes/accessattempt/", "/admin/axes/accessfailurelog/"):
        html = client.get(url).content.decode()
        assert mascarar_cpf(usuario.cpf) in html
        assert usuario.cpf not in html
    tentativa = AccessAttempt.objects.get()
    html = client.get(f"/admin/axes/accessattempt/{tentativa.pk}/change/").content.decode()
    assert mascarar_cpf(usuario.cpf) in html and usuario.cpf not in html


def test_migracao_mascara_tentativas_antigas_apaga_formulario_e_acessos():
    usuario = UsuarioFactory()
    agora = timezone.now()
    comum = {"ip_address": "10.0.0.1", "user_agent": "x", "http_accept": "", "path_info": "/"}
    AccessAttempt.objects.bulk_create(  # bulk_create: como o axes antigo gravava, sem pre_save
        [
            AccessAttempt(
                username=usuario.cpf,
                get_data="",
                post_data=f"cpf={usuario.cpf}\nsenha=********",
                failures_since_start=2,
                attempt_time=agora,
                **comum,
            )
        ]
    )
    AccessFailureLog.objects.create(username=usuario.cpf, attempt_time=agora, **comum)
    AccessLog.objects.create(username=usuario.cpf, attempt_time=agora, **comum)

    migracao.minimizar_axes(apps_globais, None)

    assert usuario.cpf not in gravado_pelo_axes()
    assert not AccessLog.objects.exists()
    tentativa = AccessAttempt.objects.get()
    assert tentativa.post_data == "" and tentativa.failures_since_start == 2
    assert tentativa.username == AccessFailureLog.objects.get().username
    assert tentativa.username.startswith(mascarar_cpf(usuario.cpf))
