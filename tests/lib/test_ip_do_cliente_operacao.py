"""IP do cliente (cagec.lib.rede): X-Forwarded-For só de proxies confiáveis, o mesmo IP para
o limite por IP, o django-axes, a auditoria e as evidências da assinatura."""

from datetime import UTC, datetime

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from cagec.core.models import RegistroAuditoria
from cagec.lib.auditoria import ip_do_request
from cagec.lib.rede import ip_do_cliente
from declaracoes.models import Declaracao
from tests.declaracoes.test_assinatura import aguardando_assinatura, cpf_formatado
from tests.factories import SENHA, UsuarioFactory

pytestmark = pytest.mark.django_db

BALANCEADOR = "10.0.0.5"  # docs/operacao.md: o balanceador numa rede privada
ATACANTE = "198.51.100.7"


@pytest.fixture
def atras_do_balanceador(settings):
    settings.PROXIES_CONFIAVEIS = ["10.0.0.0/8", "fd00::/8"]


@pytest.fixture
def minuto_parado():
    """O limite é por minuto: 31 tentativas não podem cair em dois minutos (máquina lenta)."""
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, 20, tzinfo=UTC), tick=False):
        yield


def requisicao(remoto, encaminhado=None):
    extra = {"HTTP_X_FORWARDED_FOR": encaminhado} if encaminhado is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remoto, **extra)


# --- A função ----------------------------------------------------------------------------------
def test_sem_proxies_configurados_o_cabecalho_e_ignorado(settings):
    settings.PROXIES_CONFIAVEIS = []
    assert ip_do_cliente(requisicao(ATACANTE, "1.2.3.4")) == ATACANTE
    assert ip_do_cliente(requisicao(BALANCEADOR, "203.0.113.9")) == BALANCEADOR


@pytest.mark.usefixtures("atras_do_balanceador")
def test_conexao_direta_de_fora_nao_escolhe_o_proprio_ip_pelo_cabecalho():
    assert ip_do_cliente(requisicao(ATACANTE, "203.0.113.9")) == ATACANTE


@pytest.mark.usefixtures("atras_do_balanceador")
def test_pelo_balanceador_vale_o_endereco_mais_a_direita_que_nao_e_proxy():
    # O cliente inventou "1.1.1.1"; o balanceador acrescentou o IP real dele (203.0.113.9) e
    # um proxy interno (10.0.0.9) acrescentou o do balanceador.
    encaminhado = "1.1.1.1, 203.0.113.9, 10.0.0.9"
    assert ip_do_cliente(requisicao(BALANCEADOR, encaminhado)) == "203.0.113.9"


@pytest.mark.usefixtures("atras_do_balanceador")
def test_cabecalho_ausente_vazio_ou_com_lixo_nao_inventa_cliente():
    assert ip_do_cliente(requisicao(BALANCEADOR)) == BALANCEADOR
    assert ip_do_cliente(requisicao(BALANCEADOR, " , ")) == BALANCEADOR
    # Lixo logo à direita: não se sabe quem veio antes; fica o último endereço conhecido.
    assert ip_do_cliente(requisicao(BALANCEADOR, "203.0.113.9, <script>")) == BALANCEADOR
    assert ip_do_cliente(requisicao(BALANCEADOR, "lixo, 203.0.113.9")) == "203.0.113.9"
    # Só proxies no caminho: o mais distante deles.
    assert ip_do_cliente(requisicao(BALANCEADOR, "10.1.1.1, 10.0.0.9")) == "10.1.1.1"


@pytest.mark.usefixtures("atras_do_balanceador")
def test_porta_ipv6_e_ipv4_mapeado_sao_normalizados():
    assert ip_do_cliente(requisicao(BALANCEADOR, "203.0.113.9:51234")) == "203.0.113.9"
    assert ip_do_cliente(requisicao(BALANCEADOR, "[2001:db8::1]:443")) == "2001:db8::1"
    assert ip_do_cliente(requisicao("fd00::1", "2001:DB8::2")) == "2001:db8::2"
    assert ip_do_cliente(requisicao("::ffff:10.0.0.5", "203.0.113.9")) == "203.0.113.9"
    assert ip_do_cliente(requisicao("::ffff:198.51.100.7")) == ATACANTE


def test_proxy_invalido_na_configuracao_e_erro_claro(settings):
    settings.PROXIES_CONFIAVEIS = ["10.0.0.0/8", "balanceador.interno"]
    with pytest.raises(ImproperlyConfigured, match="PROXIES_CONFIAVEIS"):
        ip_do_cliente(requisicao(BALANCEADOR))


def test_auditoria_usa_a_mesma_funcao(settings):
    settings.PROXIES_CONFIAVEIS = ["10.0.0.0/8"]
    assert ip_do_request(requisicao(BALANCEADOR, "203.0.113.9")) == "203.0.113.9"
    assert ip_do_request(None) is None


# --- Limite por IP -----------------------------------------------------------------------------
def tentar_login(client, cliente_ip, remoto=BALANCEADOR):
    return client.post(
        "/entrar/", {"cpf": "x", "senha": "y"}, REMOTE_ADDR=remoto, HTTP_X_FORWARDED_FOR=cliente_ip
    )


@pytest.mark.usefixtures("atras_do_balanceador", "minuto_parado")
def test_atras_do_balanceador_cada_cliente_tem_o_seu_limite_de_login(client):
    for _ in range(30):  # LOGIN_LIMITE_POR_IP = 30/m
        assert tentar_login(client, "203.0.113.9").status_code == 200
    assert tentar_login(client, "203.0.113.9").status_code == 429
    # Outra pessoa, pelo mesmo balanceador, não herda o limite da primeira.
    assert tentar_login(client, "203.0.113.10").status_code == 200


@pytest.mark.usefixtures("atras_do_balanceador", "minuto_parado")
def test_cliente_fora_dos_proxies_nao_escapa_do_limite_trocando_o_cabecalho(client):
    for n in range(30):
        assert tentar_login(client, f"203.0.113.{n}", remoto=ATACANTE).status_code == 200
    assert tentar_login(client, "203.0.113.200", remoto=ATACANTE).status_code == 429


@pytest.mark.usefixtures("minuto_parado")
def test_sem_proxies_configurados_trocar_o_cabecalho_nao_escapa_do_limite(client, settings):
    settings.PROXIES_CONFIAVEIS = []
    for n in range(30):
        assert tentar_login(client, f"203.0.113.{n}").status_code == 200
    assert tentar_login(client, "203.0.113.200").status_code == 429


# --- django-axes, auditoria e assinatura -------------------------------------------------------
@pytest.mark.usefixtures("atras_do_balanceador")
def test_axes_registra_o_ip_do_cliente_e_nao_o_do_balanceador(client):
    usuario = UsuarioFactory()
    client.post(
        "/entrar/",
        {"cpf": usuario.cpf, "senha": "Errada#123"},
        REMOTE_ADDR=BALANCEADOR,
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"
    assert AccessFailureLog.objects.get().ip_address == "203.0.113.9"


@pytest.mark.usefixtures("atras_do_balanceador")
def test_auditoria_do_login_grava_o_ip_do_cliente(client):
    usuario = UsuarioFactory()
    resposta = client.post(
        "/entrar/",
        {"cpf": usuario.cpf, "senha": SENHA},
        REMOTE_ADDR=BALANCEADOR,
        HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9",
    )
    assert resposta.status_code == 302
    assert RegistroAuditoria.objects.get(acao="usuario.login").ip == "203.0.113.9"


@pytest.mark.usefixtures("atras_do_balanceador", "media_temporaria")
def test_assinatura_grava_como_evidencia_o_ip_do_cliente(client, rl, parceiro):
    solicitacao = aguardando_assinatura(rl, parceiro)
    client.force_login(rl)
    client.post(
        f"/solicitacoes/{solicitacao.pk}/assinar/",
        {"cpf": cpf_formatado(rl.cpf), "senha": SENHA},
        REMOTE_ADDR=BALANCEADOR,
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert Declaracao.objects.get().ip == "203.0.113.9"


def test_limite_sem_endereco_do_cliente_para_com_explicacao():
    from cagec.lib.rede import ip_para_limites

    with pytest.raises(ImproperlyConfigured, match="REMOTE_ADDR"):
        ip_para_limites(requisicao(""))
