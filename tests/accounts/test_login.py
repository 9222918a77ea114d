"""Login por CPF e senha, bloqueio após 5 falhas, sessão com inatividade, logout por POST."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.utils import timezone

from accounts.autenticacao import chave_do_cpf
from cagec.core.models import RegistroAuditoria
from tests.factories import SENHA, UsuarioFactory

pytestmark = pytest.mark.django_db


def entrar(client, cpf, senha=SENHA, **extra):
    return client.post("/entrar/", {"cpf": cpf, "senha": senha, **extra})


def test_pagina_de_login_tem_rotulos_e_link_de_recuperacao(client):
    html = client.get("/entrar/").content.decode()
    assert 'for="id_cpf"' in html and "CPF" in html
    assert 'for="id_senha"' in html and "Senha" in html
    assert "Esqueceu sua senha ou usuário bloqueado?" in html


def test_login_com_cpf_pontuado_leva_ao_termo_e_depois_ao_painel(client):
    usuario = UsuarioFactory()
    cpf = f"{usuario.cpf[:3]}.{usuario.cpf[3:6]}.{usuario.cpf[6:9]}-{usuario.cpf[9:]}"
    resposta = entrar(client, cpf)
    assert resposta.status_code == 302 and resposta["Location"] == "/painel/"
    termo = client.get("/painel/")
    assert termo.status_code == 302 and termo["Location"].startswith("/termos/?next=/painel/")
    assert RegistroAuditoria.objects.filter(acao="usuario.login", ator=usuario).exists()


def test_next_externo_e_ignorado(client):
    usuario = UsuarioFactory(aceitou_termo=True)
    resposta = entrar(client, usuario.cpf, next="https://malicioso.example/")
    assert resposta["Location"] == "/painel/"


def test_senha_errada_mensagem_generica(client):
    usuario = UsuarioFactory()
    html = entrar(client, usuario.cpf, "Errada#123").content.decode()
    assert "CPF ou senha incorretos" in html
    html_desconhecido = entrar(client, "52998224725", "Errada#123").content.decode()
    assert "CPF ou senha incorretos" in html_desconhecido


def test_conta_pendente_ou_bloqueada_nao_entra(client):
    from accounts import services

    pendente = UsuarioFactory(pendente=True)
    assert "CPF ou senha incorretos" in entrar(client, pendente.cpf).content.decode()
    bloqueado = UsuarioFactory()
    services.bloquear(bloqueado, motivo="teste")
    assert "CPF ou senha incorretos" in entrar(client, bloqueado.cpf).content.decode()


def test_cinco_falhas_bloqueiam_o_cpf_por_15_minutos(client):
    usuario = UsuarioFactory()
    for _ in range(4):
        assert entrar(client, usuario.cpf, "Errada#123").status_code == 200
    quinta = entrar(client, usuario.cpf, "Errada#123")
    assert quinta.status_code == 429
    html = quinta.content.decode()
    assert "bloqueado por 15 minutos" in html and "/recuperar-senha/" in html
    # nem a senha certa entra durante o bloqueio
    assert entrar(client, usuario.cpf).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        resposta = entrar(client, usuario.cpf)
        assert resposta.status_code == 302


def test_bloqueio_e_por_cpf_nao_afeta_outra_pessoa_no_mesmo_ip(client):
    vitima, outra = UsuarioFactory(), UsuarioFactory()
    for _ in range(5):
        entrar(client, vitima.cpf, "Errada#123")
    assert entrar(client, outra.cpf).status_code == 302


def test_falhas_nao_consecutivas_nao_bloqueiam(client):
    usuario = UsuarioFactory()
    for _ in range(4):
        entrar(client, usuario.cpf, "Errada#123")
    assert entrar(client, usuario.cpf).status_code == 302
    client.post("/sair/")
    for _ in range(4):
        assert entrar(client, usuario.cpf, "Errada#123").status_code == 200


def test_tentativas_registradas_sem_a_senha(client):
    usuario = UsuarioFactory()
    entrar(client, usuario.cpf, "Segredo#Errado1")
    tentativa = AccessAttempt.objects.get(username=chave_do_cpf(usuario.cpf))
    assert "Segredo#Errado1" not in str(tentativa.post_data)


def test_login_loga_cpf_mascarado(client, caplog):
    usuario = UsuarioFactory()
    with caplog.at_level("INFO"):
        entrar(client, usuario.cpf, "Errada#123")
    assert usuario.cpf not in caplog.text
    assert f"***.{usuario.cpf[3:6]}" in caplog.text


def test_limite_por_ip(client, settings):
    usuario = UsuarioFactory()
    # Relógio parado: a janela do limite (por minuto) não vira no meio do teste numa máquina
    # lenta, o que zeraria a contagem e deixaria a 31ª tentativa passar.
    with time_machine.travel(timezone.now(), tick=False):
        for i in range(30):
            entrar(client, "52998224725", f"Errada#{i}")
        assert entrar(client, usuario.cpf).status_code == 429


def test_sair_exige_post(cliente_logado):
    assert cliente_logado.get("/sair/").status_code == 405
    resposta = cliente_logado.post("/sair/")
    assert resposta.status_code == 302
    assert cliente_logado.get("/painel/").status_code == 302


def test_sessao_expira_apos_30_minutos_de_inatividade(client):
    usuario = UsuarioFactory(aceitou_termo=True)
    entrar(client, usuario.cpf)
    assert client.get("/painel/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=29)):
        assert client.get("/painel/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=29 + 31)):
        resposta = client.get("/painel/")
        assert resposta.status_code == 302 and resposta["Location"].startswith("/entrar/")


def test_sessao_absoluta_de_12_horas_mesmo_com_uso_continuo(client, settings):
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    usuario = UsuarioFactory(aceitou_termo=True)
    inicio = timezone.now()
    with time_machine.travel(inicio, tick=False) as viagem:
        entrar(client, usuario.cpf)
        # Uma página a cada 20 min (nunca inativa) por 11 h 40 min: a sessão continua.
        for _ in range(35):
            viagem.shift(timedelta(minutes=20))
            assert client.get("/painel/").status_code == 200
        viagem.shift(timedelta(minutes=21))  # 12 h 01 min depois do login
        resposta = client.get("/painel/")
    assert resposta.status_code == 302 and resposta["Location"].startswith("/entrar/")
    assert "passou de 12 horas" in client.get(resposta["Location"]).content.decode()


def test_paginas_logadas_exigem_login(client):
    for url in [
        "/painel/",
        "/minha-conta/",
        "/minha-conta/senha/",
        "/minha-conta/email/",
        "/minha-conta/meus-dados.json",
    ]:
        resposta = client.get(url)
        assert resposta.status_code == 302 and resposta["Location"].startswith("/entrar/?next=")


def test_admin_usa_o_login_do_portal(client):
    resposta = client.get("/admin/login/")
    assert resposta.status_code == 302 and resposta["Location"].startswith("/entrar/")
