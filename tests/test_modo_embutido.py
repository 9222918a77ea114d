"""Modo embutido (``make run``): e-mail legível no console, resumo da demonstração fiel na
2ª execução, páginas de erro do portal com DEBUG e o ``reiniciar_demo`` (issue #13, item 17).
"""

import os
import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.http import Http404
from django.test import Client
from django.urls import path

import cagec.settings as configuracao_base
import cagec.urls
from accounts import services
from accounts.models import Usuario
from cagec.lib.email_console import EmailBackend, linha_legivel

from .conftest import caminho
from .factories import UsuarioFactory

CPF_JOAO = "10000000442"  # o pré-cadastrado da demonstração
LINK_CONVITE = re.compile(r"^  (http://\S+/primeiro-acesso/\S+/)$", re.MULTILINE)


# --- Uma linha legível por e-mail no console ----------------------------------------------------


def test_linha_legivel_tem_destinatario_assunto_decodificado_e_links_sem_o_rodape(settings):
    settings.PORTAL_URL_BASE = "http://127.0.0.1:8000"
    mensagem = mail.EmailMessage(
        subject="Seu primeiro acesso ao CAGEC — validação",
        body=(
            "Abra: http://127.0.0.1:8000/primeiro-acesso/abc/.\n"
            "De novo: http://127.0.0.1:8000/primeiro-acesso/abc/\n"
            "Portal CAGEC — http://127.0.0.1:8000/\n"
        ),
        to=["maria@exemplo.gov.br"],
    )
    assert linha_legivel(mensagem) == (
        "✉ para maria@exemplo.gov.br — “Seu primeiro acesso ao CAGEC — validação” — "
        "http://127.0.0.1:8000/primeiro-acesso/abc/"
    )


def test_backend_do_console_imprime_a_mensagem_e_depois_a_linha():
    saida = StringIO()
    mensagem = mail.EmailMessage(
        subject="Solicitação aprovada", body="Veja http://x.invalid/p/1/", to=["a@b.gov.br"]
    )
    EmailBackend(stream=saida).send_messages([mensagem])
    texto = saida.getvalue()
    assert "=?utf-8?" in texto  # o cabeçalho cru continua lá…
    ultima = texto.strip().splitlines()[-1]  # …e a linha legível vem depois dele
    assert ultima == "✉ para a@b.gov.br — “Solicitação aprovada” — http://x.invalid/p/1/"


@pytest.mark.django_db
def test_linha_do_console_mostra_o_link_de_uso_unico_que_abre(
    settings, capsys, django_capture_on_commit_callbacks
):
    """O token é sorteado na entrega: a linha traz o link verdadeiro, não o marcador."""
    settings.EMAIL_BACKEND = "cagec.lib.email_console.EmailBackend"
    pendente = UsuarioFactory(pendente=True, email="joao@exemplo.gov.br")

    with django_capture_on_commit_callbacks(execute=True):  # a fila (eager) entrega
        assert services.reenviar_primeiro_acesso(pendente, evento="convite")

    linhas = [linha for linha in capsys.readouterr().out.splitlines() if linha.startswith("✉")]
    assert len(linhas) == 1
    assert linhas[0].startswith(
        "✉ para joao@exemplo.gov.br — “Portal CAGEC: convite para validar seu cadastro” — "
    )
    link = linhas[0].rsplit(" — ", 1)[1]
    assert "TOKEN-OCULTO" not in link
    resposta = Client().get(caminho(link))
    assert resposta.status_code == 200
    assert "Link inválido" not in resposta.content.decode()


@pytest.mark.skipif("EMAIL_URL" in os.environ, reason="EMAIL_URL definida: não é o modo embutido")
def test_modo_embutido_usa_o_console_legivel_so_sem_email_url():
    assert configuracao_base.EMAIL_BACKEND == "cagec.lib.email_console.EmailBackend"


# --- Resumo da demonstração --------------------------------------------------------------------


def _demo(settings) -> str:
    settings.DEBUG = True  # modo embutido (make run)
    saida = StringIO()
    call_command("carregar_demo", stdout=saida)
    return saida.getvalue()


@pytest.mark.django_db
def test_carregar_demo_duas_vezes_imprime_um_link_novo_que_abre(media_temporaria, settings):
    primeira = _demo(settings)
    segunda = _demo(settings)

    for saida in (primeira, segunda):
        assert saida.count("convite pendente") == 1
        assert len(LINK_CONVITE.findall(saida)) == 1
        assert "Cagec#Demo2026" in saida and "100.000.003-61" in saida
    link_antigo = LINK_CONVITE.search(primeira).group(1)
    link_novo = LINK_CONVITE.search(segunda).group(1)
    assert link_novo != link_antigo
    assert Usuario.objects.filter(email__endswith="@demo.cagec.mg.gov.br").count() == 4

    assert "Link inválido" in Client().get(caminho(link_antigo)).content.decode()
    resposta = Client().get(caminho(link_novo))
    assert resposta.status_code == 200
    assert "Link inválido" not in resposta.content.decode()


@pytest.mark.django_db
def test_carregar_demo_depois_da_ativacao_nao_oferece_mais_convite(media_temporaria, settings):
    link = LINK_CONVITE.search(_demo(settings)).group(1)
    services.concluir_primeiro_acesso(
        link.rstrip("/").rsplit("/", 1)[1], cpf=CPF_JOAO, senha="Outra#Senha2026"
    )
    enviados = len(mail.outbox)

    saida = _demo(settings)

    assert "convite pendente" not in saida and not LINK_CONVITE.search(saida)
    assert "João Pré-cadastrado Demo" in saida and "já ativou a conta" in saida
    assert len(mail.outbox) == enviados  # ninguém recebe convite à toa


# --- Páginas de erro do portal com DEBUG (make run) ----------------------------------------------


def _explodir(request):
    raise RuntimeError("falha de propósito")


def _sumir(request):
    raise Http404("não há")


urlpatterns = [
    path("teste-explodir/", _explodir),
    path("teste-sumir/", _sumir),
    *cagec.urls.urlpatterns,
]
handler404 = cagec.urls.handler404
handler500 = cagec.urls.handler500


@pytest.fixture
def modo_embutido(settings):
    settings.DEBUG = True
    settings.ROOT_URLCONF = __name__
    return Client(raise_request_exception=False)


@pytest.mark.django_db
def test_endereco_inexistente_com_debug_mostra_o_404_do_portal_com_navegacao(modo_embutido):
    resposta = modo_embutido.get("/nao-existe/")
    pagina = resposta.content.decode()
    assert resposta.status_code == 404
    assert "Página não encontrada" in pagina
    assert 'aria-label="Navegação principal"' in pagina
    assert "URLconf" not in pagina and "DEBUG = True" not in pagina


@pytest.mark.django_db
def test_http404_de_uma_view_com_debug_mostra_o_404_do_portal(modo_embutido, usuario):
    modo_embutido.force_login(usuario)
    resposta = modo_embutido.get("/teste-sumir/")
    pagina = resposta.content.decode()
    assert resposta.status_code == 404
    assert "Página não encontrada" in pagina and usuario.nome.split()[0] in pagina
    assert "não há" not in pagina


@pytest.mark.django_db
def test_excecao_com_debug_mostra_o_500_do_portal_e_registra_o_traceback(modo_embutido, caplog):
    resposta = modo_embutido.get("/teste-explodir/")
    pagina = resposta.content.decode()
    assert resposta.status_code == 500
    assert "Ocorreu um erro inesperado" in pagina
    assert "Traceback" not in pagina and "RuntimeError" not in pagina
    assert re.search(r'href="/static/css/portal\.[0-9a-f]{12}\.css"', pagina)  # com o estilo
    assert any(r.exc_info and r.exc_info[0] is RuntimeError for r in caplog.records)


@pytest.mark.django_db
def test_respostas_404_proprias_das_views_nao_sao_trocadas(modo_embutido):
    resposta = modo_embutido.get("/primeiro-acesso/nao-vale/")
    assert resposta.status_code == 404
    assert "Link inválido ou expirado" in resposta.content.decode()


@pytest.mark.django_db
def test_paginas_tecnicas_do_django_voltam_quando_pedidas(modo_embutido, settings):
    settings.PAGINAS_DE_ERRO_DO_PORTAL = False  # DJANGO_PAGINAS_DE_ERRO_TECNICAS=true
    resposta = modo_embutido.get("/nao-existe/")
    assert resposta.status_code == 404
    assert "URLconf" in resposta.content.decode()


# --- make reset-demo ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reiniciar_demo_recusa_banco_que_nao_e_o_do_modo_embutido(settings, usuario):
    settings.DEBUG = True
    # Nos testes o banco é o de testes (como um DATABASE_URL apontando para outro lugar).
    with pytest.raises(CommandError, match="não é o db.sqlite3 do modo embutido"):
        call_command("reiniciar_demo", stdout=StringIO())
    assert Usuario.objects.filter(pk=usuario.pk).exists()  # nada apagado


@pytest.mark.django_db
def test_reiniciar_demo_recusa_fora_do_modo_embutido(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="só roda no modo embutido"):
        call_command("reiniciar_demo", stdout=StringIO())
