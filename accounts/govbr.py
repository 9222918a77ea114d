"""Entrada com gov.br (Login Único, OpenID Connect): o backend de autenticação.

O fluxo (código de autorização + PKCE S256, state e nonce, token com HTTP Basic, id_token
RS256 conferido com o JWKS do provedor) é do mozilla-django-oidc; aqui fica só a regra do
portal: o ``sub`` do gov.br é o CPF e a pessoa entra apenas se já tem conta com esse CPF.
Nunca procuramos por e-mail e nunca criamos contas. A recusa fica anotada no request
(``request.govbr_recusa``) para a view de retorno explicar o motivo em /entrar/.
"""

import logging

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from cagec.lib.documentos import cpf_valido, mascarar_cpf, normalizar_cpf

from .models import Usuario

log = logging.getLogger(__name__)

RECUSA_SEM_CONTA = "sem_conta"
RECUSA_BLOQUEADA = "bloqueada"

_CONFIGURACAO = (
    "GOVBR_URL_BASE",
    "OIDC_RP_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
)


def configurado() -> bool:
    """O gov.br está ligado? (lê só settings: sem consultas, serve a cada página de login)"""
    return all(getattr(settings, nome, "") for nome in _CONFIGURACAO)


class GovBrBackend(OIDCAuthenticationBackend):
    """Autentica pelo retorno do gov.br uma conta existente, localizada pelo CPF (``sub``)."""

    def authenticate(self, request, **kwargs):
        # Só o retorno do gov.br chama authenticate() com code_verifier; o login por senha
        # também passa por aqui (o Django tenta cada backend) e não deve ir ao provedor.
        if not configurado() or request is None or "code_verifier" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def get_or_create_user(self, access_token, id_token, payload):
        """``payload`` é o id_token já conferido (assinatura, validade e nonce)."""
        self._conferir_emissor_e_audiencia(payload)
        cpf = normalizar_cpf(payload.get("sub"))
        if not cpf_valido(cpf):
            raise SuspiciousOperation("O sub do gov.br não é um CPF válido.")
        # OpenID Connect Core 5.3.2: o sub do userinfo tem de ser o mesmo do id_token.
        dados = self.get_userinfo(access_token, id_token, payload)
        if normalizar_cpf(dados.get("sub")) != cpf:
            raise SuspiciousOperation("O sub do userinfo difere do id_token.")
        usuario = self.filter_users_by_claims(payload).first()
        if usuario is None:
            log.info("gov.br: nenhuma conta para %s", mascarar_cpf(cpf))
            self.request.govbr_recusa = RECUSA_SEM_CONTA
            return None
        if usuario.situacao == Usuario.Situacao.BLOQUEADO or not usuario.is_active:
            log.info("gov.br: conta bloqueada %s", mascarar_cpf(cpf))
            self.request.govbr_recusa = RECUSA_BLOQUEADA
            return None
        return usuario

    def _conferir_emissor_e_audiencia(self, payload):
        # O mozilla-django-oidc não confere iss nem aud; um id_token emitido para outro
        # cliente (ou por outro emissor) não pode abrir sessão aqui.
        emissor = str(payload.get("iss", "")).rstrip("/")
        if emissor != settings.GOVBR_URL_BASE.rstrip("/"):
            raise SuspiciousOperation("id_token de outro emissor.")
        audiencia = payload.get("aud")
        audiencias = audiencia if isinstance(audiencia, list) else [audiencia]
        if self.OIDC_RP_CLIENT_ID not in audiencias:
            raise SuspiciousOperation("id_token emitido para outro cliente.")

    def filter_users_by_claims(self, claims):
        """Por CPF, nunca por e-mail (o padrão da biblioteca procuraria pelo e-mail)."""
        cpf = normalizar_cpf(claims.get("sub"))
        if not cpf_valido(cpf):
            return Usuario.objects.none()
        return Usuario.objects.filter(cpf=cpf)

    def create_user(self, claims):
        raise SuspiciousOperation("O gov.br não cria contas no Portal CAGEC.")

    def get_user(self, user_id):
        # A da biblioteca devolve até conta bloqueada; a do Django confere is_active.
        return ModelBackend.get_user(self, user_id)
