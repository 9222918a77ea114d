"""Um provedor OpenID Connect de verdade, em 127.0.0.1, para os testes do gov.br.

Feito com o servidor de autorização do Authlib (código de autorização + extensão OpenID
Connect, PKCE S256 obrigatório, cliente autenticado só por HTTP Basic, id_token RS256
assinado com uma chave gerada aqui) e servido pelo ``wsgiref`` da biblioteca padrão numa
thread. Aprova sozinho o pedido de quem estiver em ``sujeito`` (um CPF), como se a pessoa
já tivesse entrado no gov.br. Guarda o que recebeu, para os testes conferirem do lado do
provedor: ``pedidos_autorizacao`` e ``pedidos_token``.
"""

import json
import threading
import time
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, make_server

from authlib.common.security import generate_token
from authlib.oauth2 import AuthorizationServer, OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import RSAKey
from requests.structures import CaseInsensitiveDict

CLIENT_ID = "portal-cagec-testes"
CLIENT_SECRET = "segredo-do-cliente-de-testes"
KID = "chave-testes"


class Cliente(ClientMixin):
    """O Portal CAGEC registrado no provedor (cliente confidencial)."""

    def __init__(self, redirect_uri):
        self.client_id = CLIENT_ID
        self.redirect_uri = redirect_uri

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uri

    def get_allowed_scope(self, scope):
        return scope

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret):
        return client_secret == CLIENT_SECRET

    def check_endpoint_auth_method(self, method, endpoint):
        return method == "client_secret_basic"  # como o gov.br: nada de segredo no corpo

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


class Codigo:
    """Código de autorização emitido (vale uma vez, por pouco tempo)."""

    def __init__(self, request, validade):
        dados = request.payload.data
        self.cpf = request.user
        self.redirect_uri = dados.get("redirect_uri")
        self.scope = dados.get("scope", "")
        self.nonce = dados.get("nonce")
        self.code_challenge = dados.get("code_challenge")
        self.code_challenge_method = dados.get("code_challenge_method")
        self.auth_time = int(time.time())
        self.expira_em = time.time() + validade

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return ["passwd"]


class PKCESomenteS256(CodeChallenge):
    """PKCE obrigatório também para cliente confidencial, e só com S256."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        dados = grant.request.payload.data
        if not dados.get("code_challenge") or dados.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE with S256 is required.")  # só ASCII (RFC 6749)
        super().validate_code_challenge(grant, redirect_uri)


class _Requisicao(OAuth2Request):
    def __init__(self, environ, corpo):
        url = f"http://{environ['HTTP_HOST']}{environ['PATH_INFO']}"
        if environ.get("QUERY_STRING"):
            url += "?" + environ["QUERY_STRING"]
        cabecalhos = CaseInsensitiveDict(
            {k[5:].replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
        )
        super().__init__(environ["REQUEST_METHOD"], url, headers=cabecalhos)
        self._args = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        self._form = dict(parse_qsl(corpo))
        self.payload = BasicOAuth2Payload({**self._args, **self._form})

    @property
    def args(self):
        return self._args

    @property
    def form(self):
        return self._form


class ProvedorOIDC(AuthorizationServer):
    """Servidor de autorização Authlib + as quatro rotas que o portal usa."""

    def __init__(self, redirect_uri):
        super().__init__(scopes_supported=["openid", "email", "profile", "govbr_confiabilidades"])
        self.cliente = Cliente(redirect_uri)
        self.chave = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig"})
        self.chave_assinatura = self.chave
        self.register_token_generator(
            "default", BearerTokenGenerator(lambda **kw: generate_token(42))
        )
        provedor = self

        class CodigoGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]

            def save_authorization_code(self, code, request):
                provedor.codigos[code] = Codigo(request, provedor.validade_codigo)

            def query_authorization_code(self, code, client):
                codigo = provedor.codigos.get(code)
                if codigo is None or codigo.expira_em < time.time():
                    return None
                return codigo

            def delete_authorization_code(self, authorization_code):
                provedor.codigos = {
                    c: v for c, v in provedor.codigos.items() if v is not authorization_code
                }

            def authenticate_user(self, authorization_code):
                return authorization_code.cpf

        class OpenID(OpenIDCode):
            def exists_nonce(self, nonce, request):
                return any(c.nonce == nonce for c in provedor.codigos.values())

            def resolve_client_private_key(self, client):
                return provedor.chave_assinatura

            def get_client_algorithm(self, client):
                return "RS256"

            def get_client_claims(self, client):
                return {"iss": provedor.emissor, "aud": [client.get_client_id()]}

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": KID}

            def generate_user_info(self, user, scope):
                return provedor.dados_do_usuario(user)

        self.register_grant(CodigoGrant, [OpenID(require_nonce=True), PKCESomenteS256()])
        self.reiniciar()

    # --- estado por teste ---------------------------------------------------------------
    def reiniciar(self):
        self.sujeito = None
        self.email = "qualquer@exemplo.com.br"  # o e-mail que o gov.br informa
        self.validade_codigo = 60
        self.codigos = {}
        self.tokens = {}
        self.pedidos_autorizacao = []
        self.pedidos_token = []
        self.chave_assinatura = self.chave

    def vencer_codigos(self):
        for codigo in self.codigos.values():
            codigo.expira_em = time.time() - 1

    def assinar_com_chave_desconhecida(self):
        """O id_token passa a ser assinado por uma chave que o JWKS não publica."""
        self.chave_assinatura = RSAKey.generate_key(2048, parameters={"kid": KID})

    def dados_do_usuario(self, cpf):
        return UserInfo(sub=cpf, name="Pessoa do gov.br", email=self.email)

    # --- integração com o Authlib (o que o Flask faria) -------------------------------
    def query_client(self, client_id):
        return self.cliente if client_id == self.cliente.client_id else None

    def save_token(self, token, request):
        self.tokens[token["access_token"]] = request.user

    def create_oauth2_request(self, request):
        return request

    def handle_response(self, status, body, headers):
        return status, body, headers

    def send_signal(self, name, *args, **kwargs):
        pass

    # --- rotas ------------------------------------------------------------------------
    def rotear(self, environ):
        tamanho = int(environ.get("CONTENT_LENGTH") or 0)
        corpo = environ["wsgi.input"].read(tamanho).decode() if tamanho else ""
        requisicao = _Requisicao(environ, corpo)
        caminho = environ["PATH_INFO"]
        if caminho == "/authorize":
            self.pedidos_autorizacao.append(dict(requisicao.args))
            try:
                grant = self.get_consent_grant(requisicao, end_user=self.sujeito)
            except OAuth2Error as erro:
                return self.handle_error_response(requisicao, erro)
            return self.create_authorization_response(requisicao, self.sujeito, grant)
        if caminho == "/token":
            resposta = self.create_token_response(requisicao)
            self.pedidos_token.append(
                {
                    "authorization": requisicao.headers.get("Authorization", ""),
                    "form": dict(requisicao.form),
                    "status": resposta[0],
                    "resposta": resposta[1],
                }
            )
            return resposta
        if caminho == "/jwk":
            return 200, {"keys": [self.chave.as_dict(private=False)]}, []
        if caminho == "/userinfo/":
            portador = requisicao.headers.get("Authorization", "").removeprefix("Bearer ")
            if portador not in self.tokens:
                return 401, {"error": "invalid_token"}, []
            return 200, dict(self.dados_do_usuario(self.tokens[portador])), []
        return 404, {"error": "not_found"}, []


class _Silencioso(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ServidorOIDC:
    """Sobe o ``ProvedorOIDC`` numa porta livre de 127.0.0.1, numa thread."""

    def __init__(self, redirect_uri):
        self.provedor = ProvedorOIDC(redirect_uri)
        self._httpd = make_server("127.0.0.1", 0, self._wsgi, handler_class=_Silencioso)
        self.url = f"http://127.0.0.1:{self._httpd.server_port}"
        self.provedor.emissor = self.url
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def _wsgi(self, environ, start_response):
        status, corpo, cabecalhos = self.provedor.rotear(environ)
        if isinstance(corpo, dict):
            corpo = json.dumps(corpo)
            cabecalhos = [*cabecalhos, ("Content-Type", "application/json")]
        frases = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized"}
        start_response(f"{status} {frases.get(status, 'Erro')}", list(cabecalhos))
        return [corpo.encode()]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
