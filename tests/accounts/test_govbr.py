"""Entrar com gov.br: o fluxo OpenID Connect inteiro contra um provedor real em 127.0.0.1.

O navegador é o cliente de testes do Django nas páginas do portal e o ``requests`` na página
de autorização do provedor (que aprova sozinho quem estiver em ``provedor.sujeito``).
"""

import base64
import hashlib
import os
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import SuspiciousOperation

from accounts import services
from accounts.govbr import GovBrBackend
from accounts.middleware import CHAVE_ATIVIDADE, CHAVE_INICIO
from accounts.models import Usuario
from cagec.core.models import RegistroAuditoria, TokenAcesso
from tests.factories import UsuarioFactory, cpf_aleatorio

from .provedor_oidc import CLIENT_ID, CLIENT_SECRET, ServidorOIDC

pytestmark = pytest.mark.django_db

RETORNO = "http://testserver/govbr/retorno/"


@pytest.fixture(scope="module")
def servidor_oidc():
    # O Authlib só aceita HTTP sem TLS com esta variável; o provedor de testes é local.
    anterior = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    with ServidorOIDC(RETORNO) as servidor:
        yield servidor
    if anterior is None:
        del os.environ["AUTHLIB_INSECURE_TRANSPORT"]
    else:
        os.environ["AUTHLIB_INSECURE_TRANSPORT"] = anterior


@pytest.fixture
def provedor(servidor_oidc, settings):
    """gov.br configurado apontando para o provedor local (o mozilla-django-oidc lê na hora)."""
    url = servidor_oidc.url
    settings.GOVBR_URL_BASE = url
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{url}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{url}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{url}/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{url}/jwk"
    settings.OIDC_TIMEOUT = 5
    servidor_oidc.provedor.reiniciar()
    return servidor_oidc.provedor


@pytest.fixture
def usuario(db):
    """Pessoa ativa, com o termo aceito e o CPF já confirmado (a conta já é do titular).

    A primeira entrada com gov.br numa conta de CPF não confirmado retoma a conta: ver
    ``tests/accounts/test_seguranca_identidade.py``.
    """
    pessoa = UsuarioFactory(aceitou_termo=True)
    services.confirmar_cpf(pessoa, por=Usuario.ConfirmacaoCPF.GOVBR)
    pessoa.refresh_from_db()
    return pessoa


def ir_ao_govbr(client, caminho="/govbr/entrar/"):
    """Clica em "Entrar com gov.br": devolve o endereço de autorização do provedor."""
    resposta = client.get(caminho)
    assert resposta.status_code == 302
    return resposta["Location"]


def autorizar(url_autorizacao):
    """O provedor aprova e manda de volta ao portal: devolve o caminho de retorno."""
    resposta = requests.get(url_autorizacao, allow_redirects=False, timeout=5)
    assert resposta.status_code == 302, resposta.text
    destino = resposta.headers["Location"]
    assert destino.startswith(RETORNO)
    return destino.removeprefix("http://testserver")


def entrar_pelo_govbr(client, caminho="/govbr/entrar/"):
    return client.get(autorizar(ir_ao_govbr(client, caminho)))


def logado(client):
    return SESSION_KEY in client.session


def mensagens(resposta):
    return [str(m) for m in resposta.wsgi_request._messages]


def test_pessoa_ativa_entra_pelo_govbr_com_sessao_completa_e_login_auditado(
    client, provedor, usuario
):
    provedor.sujeito = usuario.cpf
    resposta = entrar_pelo_govbr(client)
    assert resposta.status_code == 302 and resposta["Location"] == "/painel/"
    assert client.session[SESSION_KEY] == str(usuario.pk)
    assert client.session[CHAVE_INICIO] and client.session[CHAVE_ATIVIDADE]
    assert client.session["menu_analise"] is False
    login = RegistroAuditoria.objects.get(acao="usuario.login", ator=usuario)
    assert login.depois == {"metodo": "govbr"}
    assert client.get("/painel/").status_code == 200


def test_pedido_de_autorizacao_leva_pkce_s256_state_e_nonce(client, provedor):
    url = ir_ao_govbr(client)
    assert url.startswith(f"{provedor.emissor}/authorize?")
    parametros = parse_qs(urlsplit(url).query)
    assert parametros["code_challenge_method"] == ["S256"]
    assert len(parametros["code_challenge"][0]) >= 43
    assert parametros["state"][0] and parametros["nonce"][0]
    assert parametros["client_id"] == [CLIENT_ID]
    assert parametros["redirect_uri"] == [RETORNO]
    assert parametros["scope"] == ["openid email profile govbr_confiabilidades"]


def test_provedor_recebe_http_basic_e_o_verificador_pkce_do_desafio(client, provedor, usuario):
    provedor.sujeito = usuario.cpf
    entrar_pelo_govbr(client)
    assert logado(client)
    (pedido,) = provedor.pedidos_token
    credenciais = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert pedido["authorization"] == f"Basic {credenciais}"
    assert "client_secret" not in pedido["form"]
    verificador = pedido["form"]["code_verifier"]
    desafio = base64.urlsafe_b64encode(hashlib.sha256(verificador.encode()).digest())
    assert provedor.pedidos_autorizacao[0]["code_challenge"] == desafio.decode().rstrip("=")
    assert pedido["status"] == 200


def test_conta_importada_pendente_entra_e_so_fica_ativa_ao_aceitar_o_termo(client, provedor):
    pessoa = UsuarioFactory(pendente=True, origem=Usuario.Origem.IMPORTACAO)
    services.reenviar_primeiro_acesso(pessoa)  # o convite por e-mail, ainda não usado
    provedor.sujeito = pessoa.cpf
    resposta = entrar_pelo_govbr(client)
    assert resposta.status_code == 302 and logado(client)
    pessoa.refresh_from_db()
    assert pessoa.situacao == Usuario.Situacao.PENDENTE  # ainda não aceitou o termo
    assert TokenAcesso.objects.filter(usuario=pessoa, usado_em=None).exists()
    painel = client.get("/painel/")
    assert painel.status_code == 302 and painel["Location"] == "/termos/?next=/painel/"

    aceite = client.post("/termos/", {"aceito": "on", "next": "/painel/"})

    assert aceite.status_code == 302 and aceite["Location"] == "/painel/"
    pessoa.refresh_from_db()
    assert pessoa.situacao == Usuario.Situacao.ATIVO
    ativacao = RegistroAuditoria.objects.get(acao="usuario.ativo", usuario_afetado=pessoa)
    assert ativacao.descricao == "Ativada pelo gov.br" and ativacao.ator == pessoa
    assert RegistroAuditoria.objects.filter(acao="termo.aceito", ator=pessoa).exists()
    # o convite deixa de valer: a conta já foi validada pelo gov.br
    assert not TokenAcesso.objects.filter(usuario=pessoa, usado_em=None).exists()
    assert "Conta ativada pelo gov.br" in mensagens(aceite)[0]
    assert client.get("/painel/").status_code == 200


def test_pendente_que_sai_sem_aceitar_o_termo_continua_pendente_e_com_o_convite(client, provedor):
    pessoa = UsuarioFactory(pendente=True, origem=Usuario.Origem.IMPORTACAO)
    services.reenviar_primeiro_acesso(pessoa)
    provedor.sujeito = pessoa.cpf
    entrar_pelo_govbr(client)
    assert client.post("/termos/", {}).status_code == 200  # sem marcar: o formulário volta
    client.post("/sair/")
    pessoa.refresh_from_db()
    assert pessoa.situacao == Usuario.Situacao.PENDENTE
    assert not RegistroAuditoria.objects.filter(acao="usuario.ativo").exists()
    assert TokenAcesso.objects.filter(usuario=pessoa, usado_em=None).exists()


def test_sem_termo_vigente_a_conta_pendente_fica_ativa_no_login(client, provedor):
    from django.core.cache import cache

    from accounts.models import TermoUso

    TermoUso.objects.all().delete()
    cache.delete(services.CACHE_TERMO_VIGENTE)
    pessoa = UsuarioFactory(pendente=True, origem=Usuario.Origem.IMPORTACAO)
    provedor.sujeito = pessoa.cpf
    entrar_pelo_govbr(client)
    pessoa.refresh_from_db()
    assert pessoa.situacao == Usuario.Situacao.ATIVO and logado(client)


def test_aceite_do_termo_fora_de_uma_sessao_govbr_nao_ativa_conta_pendente():
    pendente = UsuarioFactory(pendente=True, origem=Usuario.Origem.IMPORTACAO)
    services.aceitar_termo(pendente, services.termo_vigente())
    pendente.refresh_from_db()
    assert pendente.situacao == Usuario.Situacao.PENDENTE


def test_cpf_sem_conta_nao_entra_nao_cria_conta_e_aponta_a_inscricao(client, provedor):
    provedor.sujeito = cpf_aleatorio()
    contas = Usuario.objects.count()
    resposta = entrar_pelo_govbr(client)
    assert resposta.status_code == 302 and resposta["Location"] == "/entrar/"
    assert not logado(client)
    assert Usuario.objects.count() == contas
    html = client.get("/entrar/").content.decode()
    assert "Não há conta no Portal CAGEC para este CPF." in html
    assert '<a href="/inscricao/">Faça sua inscrição</a>' in html


def test_nunca_procura_a_conta_pelo_email(client, provedor, usuario):
    # o provedor manda o e-mail de uma conta existente, mas o CPF (sub) é de outra pessoa
    provedor.email = usuario.email
    provedor.sujeito = cpf_aleatorio()
    resposta = entrar_pelo_govbr(client)
    assert resposta["Location"] == "/entrar/" and not logado(client)


def test_backend_nao_cria_conta_nem_acha_conta_pelo_email(provedor, usuario):
    backend = GovBrBackend()
    with pytest.raises(SuspiciousOperation):
        backend.create_user({"sub": cpf_aleatorio(), "email": "nova@exemplo.com.br"})
    assert list(backend.filter_users_by_claims({"sub": usuario.cpf_formatado})) == [usuario]
    assert not backend.filter_users_by_claims({"email": usuario.email}).exists()


def test_conta_bloqueada_e_recusada_com_aviso(client, provedor, usuario):
    services.bloquear(usuario, motivo="teste")
    provedor.sujeito = usuario.cpf
    resposta = entrar_pelo_govbr(client)
    assert resposta["Location"] == "/entrar/" and not logado(client)
    assert "Sua conta está bloqueada pela administração do Portal CAGEC." in mensagens(resposta)
    assert not RegistroAuditoria.objects.filter(acao="usuario.login", ator=usuario).exists()


def test_state_adulterado_e_recusado_sem_ir_ao_provedor(client, provedor, usuario):
    provedor.sujeito = usuario.cpf
    retorno = autorizar(ir_ao_govbr(client))
    state = parse_qs(urlsplit(retorno).query)["state"][0]
    resposta = client.get(retorno.replace(state, "state-de-outra-pessoa"))
    assert resposta.status_code == 302 and resposta["Location"] == "/entrar/"
    assert not logado(client)
    assert "Não foi possível entrar com o gov.br. Tente novamente." in mensagens(resposta)
    assert provedor.pedidos_token == []


def test_codigo_vencido_e_recusado(client, provedor, usuario):
    provedor.sujeito = usuario.cpf
    retorno = autorizar(ir_ao_govbr(client))
    provedor.vencer_codigos()
    resposta = client.get(retorno)
    assert resposta["Location"] == "/entrar/" and not logado(client)
    assert provedor.pedidos_token[0]["status"] == 400
    assert provedor.pedidos_token[0]["resposta"]["error"] == "invalid_grant"


def test_codigo_reutilizado_e_recusado(client, provedor, usuario):
    provedor.sujeito = usuario.cpf
    retorno = autorizar(ir_ao_govbr(client))
    assert client.get(retorno)["Location"] == "/painel/"
    client.post("/sair/")
    # um novo state válido na sessão, com o código já trocado da primeira vez
    novo = parse_qs(urlsplit(ir_ao_govbr(client)).query)["state"][0]
    codigo = parse_qs(urlsplit(retorno).query)["code"][0]
    resposta = client.get("/govbr/retorno/", {"code": codigo, "state": novo})
    assert resposta["Location"] == "/entrar/" and not logado(client)
    assert provedor.pedidos_token[-1]["resposta"]["error"] == "invalid_grant"


def test_id_token_com_assinatura_que_o_jwks_nao_confirma_e_recusado(client, provedor, usuario):
    provedor.sujeito = usuario.cpf
    provedor.assinar_com_chave_desconhecida()
    resposta = entrar_pelo_govbr(client)
    assert resposta["Location"] == "/entrar/" and not logado(client)
    assert provedor.pedidos_token[0]["status"] == 200  # o provedor emitiu; o portal recusou


def test_pessoa_que_desiste_no_govbr_volta_ao_login(client, provedor):
    provedor.sujeito = None  # o provedor responde access_denied
    resposta = entrar_pelo_govbr(client)
    assert resposta["Location"] == "/entrar/" and not logado(client)


def test_next_interno_e_respeitado_depois_do_govbr(client, provedor, usuario):
    provedor.sujeito = usuario.cpf
    resposta = entrar_pelo_govbr(client, "/govbr/entrar/?next=/minha-conta/")
    assert resposta["Location"] == "/minha-conta/"


def test_botao_aparece_quando_configurado_e_leva_o_next(client, provedor):
    html = client.get("/entrar/?next=/minha-conta/").content.decode()
    assert 'href="/govbr/entrar/?next=/minha-conta/">Entrar com gov.br</a>' in html


def test_login_por_senha_continua_sem_falar_com_o_provedor(client, provedor, usuario, senha):
    resposta = client.post("/entrar/", {"cpf": usuario.cpf, "senha": senha})
    assert resposta.status_code == 302 and logado(client)
    assert provedor.pedidos_token == [] and provedor.pedidos_autorizacao == []


def test_sem_configuracao_o_botao_some_e_os_enderecos_dao_404(client, usuario):
    assert "gov.br" not in client.get("/entrar/").content.decode()
    assert client.get("/govbr/entrar/").status_code == 404
    assert client.get("/govbr/retorno/", {"code": "x", "state": "y"}).status_code == 404
    client.force_login(usuario)
    assert client.get("/govbr/entrar/").status_code == 404


def test_retorno_tem_limite_por_ip(client, provedor, settings):
    limite = int(settings.LOGIN_LIMITE_POR_IP.split("/")[0])
    for _ in range(limite):
        assert client.get("/govbr/retorno/", {"code": "x", "state": "y"}).status_code == 302
    assert client.get("/govbr/retorno/", {"code": "x", "state": "y"}).status_code == 429
