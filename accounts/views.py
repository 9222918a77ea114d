"""Views de conta: cada uma lê o formulário, chama um serviço e redireciona ou renderiza."""

import json
import logging
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit
from jwt import PyJWTError
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView
from requests import RequestException

from cagec.core.models import TokenAcesso
from cagec.lib.auditoria import ip_do_request as ip
from cagec.lib.documentos import mascarar_cpf
from cagec.lib.erros import ErroDeDominio
from cagec.lib.limites import conferir_alvo

from . import autenticacao, forms, ganchos, govbr, selectors, services
from .middleware import CHAVE_ATIVIDADE, CHAVE_INICIO, CHAVE_METODO, CHAVE_TERMO

log = logging.getLogger(__name__)
Finalidade = TokenAcesso.Finalidade
LIMITE_PUBLICO = settings.FORMULARIOS_PUBLICOS_LIMITE_POR_IP


def _dados(request):
    """Dados do POST, ou None num GET (um POST vazio ainda deve validar e mostrar erros)."""
    return request.POST if request.method == "POST" else None


def _proximo(request, padrao="accounts:painel"):
    alvo = request.POST.get("next") or request.GET.get("next")
    seguro = alvo and alvo.startswith("/") and not alvo.startswith("//")
    if seguro and url_has_allowed_host_and_scheme(alvo, {request.get_host()}, request.is_secure()):
        return alvo
    return padrao


@ratelimit(key="ip", rate=LIMITE_PUBLICO, method="POST", block=True)
def inscricao(request):
    form = forms.InscricaoForm(_dados(request))
    if request.method == "POST" and form.is_valid():
        _limitar_por_cpf_e_email(request, "inscricao", form.cleaned_data)
        services.inscrever(**form.cleaned_data_sem_confirmacao(), ip=ip(request))
        return redirect("accounts:inscricao_enviada")
    return render(request, "accounts/inscricao_form.html", {"form": form})


def _limitar_por_cpf_e_email(request, grupo, dados):
    """Cada envio válido conta contra o CPF e o e-mail (e-mails a uma pessoa, de muitos IPs)."""
    conferir_alvo(request, grupo, dados["cpf"], settings.FORMULARIOS_PUBLICOS_LIMITE_POR_CPF)
    email = dados["email"].strip().lower()
    conferir_alvo(request, grupo, email, settings.FORMULARIOS_PUBLICOS_LIMITE_POR_EMAIL)


def inscricao_enviada(request):
    return render(request, "accounts/inscricao_enviada.html")


@ratelimit(key="ip", rate=LIMITE_PUBLICO, method="POST", block=True)
@never_cache  # o endereço leva o token e a página, o nome da pessoa
def primeiro_acesso(request, token):
    try:
        usuario = services.buscar_token(token, Finalidade.PRIMEIRO_ACESSO).usuario
    except services.TokenInvalido:
        return render(request, "accounts/link_invalido.html", status=404)
    convidado = usuario.origem == usuario.Origem.IMPORTACAO
    form = forms.PrimeiroAcessoForm(usuario, _dados(request), convidado=convidado)
    if request.method == "POST" and form.is_valid():
        # Cada confirmação de CPF (e e-mail) conta contra o convite, de qualquer IP.
        conferir_alvo(
            request,
            "primeiro_acesso",
            f"u{usuario.pk}",
            settings.PRIMEIRO_ACESSO_LIMITE_POR_CONVITE,
        )
        try:
            services.concluir_primeiro_acesso(
                token,
                cpf=form.cleaned_data["cpf"],
                email=form.cleaned_data.get("email"),
                senha=form.cleaned_data["nova_senha"],
                ip=ip(request),
            )
        except services.TokenInvalido:
            return render(request, "accounts/link_invalido.html", status=404)
        except ErroDeDominio as erro:
            form.add_error(None, erro)
        else:
            messages.success(request, "Conta ativada. Entre com seu CPF e a senha que você criou.")
            return redirect("accounts:entrar")
    contexto = {"form": form, "usuario": usuario, "convidado": convidado}
    if convidado:  # validação de cadastro: o que foi importado, antes de criar a senha
        contexto["representacoes"] = ganchos.dados_importados(usuario)
    return render(request, "accounts/primeiro_acesso_form.html", contexto)


@ratelimit(key="ip", rate=settings.LOGIN_LIMITE_POR_IP, method="POST", block=True)
def entrar(request):
    if request.user.is_authenticated:
        return redirect(_proximo(request))
    form = forms.LoginForm(request, _dados(request))
    if request.method == "POST":
        if form.is_valid():
            login(request, form.usuario, backend="django.contrib.auth.backends.ModelBackend")
            _abrir_sessao(request, form.usuario, metodo="senha")
            return redirect(_proximo(request))
        log.info("Login recusado para %s", mascarar_cpf(request.POST.get("cpf", "")))
    contexto = {"form": form, "next": _proximo(request, ""), "govbr": govbr.configurado()}
    return render(request, "accounts/entrar.html", contexto)


def login_do_admin(request, extra_context=None):
    """``/admin/login/``: o admin entra pelo login do portal, o único caminho de login.

    Nunca autentica aqui (um POST com CPF e senha não abre nem troca a sessão): redireciona
    a ``/entrar/?next=`` com o destino do admin, se for um caminho interno do admin. Quem já
    entrou vai direto ao destino; sem acesso à administração, 403 (e não um laço de
    redirecionamentos entre /entrar/ e o admin).
    """
    alvo = request.GET.get("next", "")
    seguro = alvo.startswith("/admin/") and url_has_allowed_host_and_scheme(
        alvo, {request.get_host()}, request.is_secure()
    )
    destino = alvo if seguro and not alvo.startswith("/admin/login/") else reverse("admin:index")
    if request.user.is_authenticated:
        if not admin.site.has_permission(request):
            raise PermissionDenied
        return redirect(destino)
    return redirect(f"{reverse('accounts:entrar')}?{urlencode({'next': destino}, safe='/')}")


def _abrir_sessao(request, usuario, *, metodo):
    """O que todo login faz logo depois de ``login()``, por senha ou pelo gov.br."""
    request.session[CHAVE_ATIVIDADE] = request.session[CHAVE_INICIO] = time.time()
    request.session[CHAVE_METODO] = metodo
    ganchos.sessao_aberta(request, usuario)  # ex.: o menu "Análise" (``parceiros``)
    services.registrar_login(usuario, ip=ip(request), metodo=metodo)


# --- gov.br: o fluxo OpenID Connect é do mozilla-django-oidc; aqui, só a cola do portal ---


def _mensagem_ativada_pelo_govbr():
    return format_html(
        'Conta ativada pelo gov.br. Para assinar declarações com usuário e senha, <a href="{}">'
        "crie uma senha</a>.",
        reverse("accounts:alterar_senha"),
    )


def _mensagem_govbr(motivo):
    if motivo == govbr.RECUSA_SEM_CONTA:
        return format_html(
            'Não há conta no Portal CAGEC para este CPF. <a href="{}">Faça sua inscrição</a> '
            "e depois entre com o gov.br.",
            reverse("accounts:inscricao"),
        )
    if motivo == govbr.RECUSA_BLOQUEADA:
        return "Sua conta está bloqueada pela administração do Portal CAGEC."
    return "Não foi possível entrar com o gov.br. Tente novamente."


_MENSAGEM_CPF_RETOMADO = (
    "Seu CPF foi confirmado pelo gov.br. Como a inscrição no portal não comprova de quem é o "
    "CPF, o e-mail e a senha cadastrados antes desta confirmação deixaram de valer e as "
    "sessões abertas foram encerradas. Informe o seu e-mail para continuar e confira em Minha "
    "conta o histórico do que foi feito com a conta."
)


class _SoComGovBr:
    def dispatch(self, request, *args, **kwargs):
        if not govbr.configurado():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class GovBrEntrarView(_SoComGovBr, OIDCAuthenticationRequestView):
    """Redireciona ao gov.br com state, nonce e o desafio PKCE guardados na sessão."""


# Cada retorno faz três chamadas ao provedor (token, JWKS, userinfo): limite por IP.
@method_decorator(
    ratelimit(key="ip", group="govbr", rate=settings.LOGIN_LIMITE_POR_IP, block=True), "get"
)
class GovBrRetornoView(_SoComGovBr, OIDCAuthenticationCallbackView):
    """Volta do gov.br: confere state, troca o código, abre a sessão ou explica a recusa."""

    def get(self, request):
        try:
            return super().get(request)
        except (SuspiciousOperation, RequestException, PyJWTError) as erro:
            # state desconhecido, código vencido ou já usado, id_token inválido, provedor fora
            log.warning("Entrada com gov.br recusada: %s", erro)
            return self.login_failure()

    def login_success(self):
        try:
            services.entrar_pelo_govbr(self.user, ip=ip(self.request))
        except services.TransicaoInvalida:
            self.request.govbr_recusa = govbr.RECUSA_BLOQUEADA
            return self.login_failure()
        retomada = services.confirmar_cpf_pelo_govbr(self.user, ip=ip(self.request))
        self.user.refresh_from_db()  # mantém o atributo backend que o login() usa
        resposta = super().login_success()
        _abrir_sessao(self.request, self.user, metodo="govbr")
        if retomada:
            messages.warning(self.request, _MENSAGEM_CPF_RETOMADO)
        return resposta

    def login_failure(self):
        motivo = getattr(self.request, "govbr_recusa", None)
        messages.error(self.request, _mensagem_govbr(motivo))
        return super().login_failure()  # LOGIN_REDIRECT_URL_FAILURE: /entrar/


def login_bloqueado(request, original_response=None, credentials=None):
    """Resposta do django-axes quando o CPF atingiu o limite de tentativas."""
    minutos = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/login_bloqueado.html", {"minutos": minutos}, status=429)


@require_POST
def sair(request):
    if request.user.is_authenticated:
        services.registrar_logout(request.user, ip=ip(request))
    logout(request)
    messages.info(request, "Você saiu do portal.")
    return redirect("home")


@ratelimit(key="ip", rate=LIMITE_PUBLICO, method="POST", block=True)
def recuperar_senha(request):
    form = forms.RecuperarSenhaForm(_dados(request))
    if request.method == "POST" and form.is_valid():
        _limitar_por_cpf_e_email(request, "recuperar_senha", form.cleaned_data)
        services.solicitar_recuperacao(**form.cleaned_data, ip=ip(request))
        return redirect("accounts:recuperacao_enviada")
    return render(request, "accounts/recuperar_senha_form.html", {"form": form})


def recuperacao_enviada(request):
    return render(request, "accounts/recuperacao_enviada.html")


@never_cache  # o endereço leva o token e a página, o nome da pessoa
def redefinir_senha(request, token):
    try:
        usuario = services.buscar_token(token, Finalidade.RECUPERACAO_SENHA).usuario
    except services.TokenInvalido:
        return render(request, "accounts/link_invalido.html", status=404)
    form = forms.RedefinirSenhaForm(usuario, _dados(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.redefinir_senha(token, senha=form.cleaned_data["nova_senha"], ip=ip(request))
        except services.TokenInvalido:
            return render(request, "accounts/link_invalido.html", status=404)
        messages.success(request, "Senha redefinida e conta desbloqueada. Entre com a nova senha.")
        return redirect("accounts:entrar")
    return render(request, "accounts/redefinir_senha_form.html", {"form": form})


def termos(request):
    """Público para leitura; quem está logado aceita a versão vigente aqui."""
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect("accounts:entrar")
    termo = services.termo_vigente()
    form = forms.TermoForm(_dados(request))
    if request.method == "POST" and termo and form.is_valid():
        pendente = request.user.situacao == request.user.Situacao.PENDENTE
        services.aceitar_termo(
            request.user,
            termo,
            ip=ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            pelo_govbr=request.session.get(CHAVE_METODO) == "govbr",
        )
        request.session[CHAVE_TERMO] = termo.versao
        if pendente and request.user.situacao == request.user.Situacao.ATIVO:
            messages.success(request, _mensagem_ativada_pelo_govbr())
        return redirect(_proximo(request))
    aceito = bool(termo) and request.session.get(CHAVE_TERMO) == termo.versao
    return render(
        request,
        "accounts/termo_form.html",
        {"termo": termo, "form": form, "aceito": aceito, "next": _proximo(request, "")},
    )


@login_required
def painel(request):
    # O conteúdo vem dos apps de cima (organizações, solicitações, assinaturas).
    return render(request, "accounts/painel.html", ganchos.contexto_do_painel(request.user))


@login_required
def minha_conta(request):
    usuario = request.user
    form = forms.DadosForm(
        _dados(request), initial={"nome": usuario.nome, "telefone": usuario.telefone}
    )
    if request.method == "POST" and form.is_valid():
        services.atualizar_dados(usuario, **form.cleaned_data, ip=ip(request))
        messages.success(request, "Dados atualizados.")
        return redirect("accounts:minha_conta")
    auditoria = selectors.auditoria_do_usuario(usuario, limite=50)
    return render(request, "accounts/minha_conta.html", {"form": form, "auditoria": auditoria})


@login_required
@never_cache  # reapresentado com erro, o formulário traz a nova senha digitada
def alterar_senha(request):
    form = forms.AlterarSenhaForm(request, request.user, _dados(request))
    if request.method == "POST" and form.is_valid():
        services.alterar_senha(
            request.user, nova_senha=form.cleaned_data["nova_senha"], ip=ip(request)
        )
        update_session_auth_hash(request, request.user)
        messages.success(request, "Senha criada." if form.criando else "Senha alterada.")
        return redirect(_proximo(request, "accounts:minha_conta"))
    _encerrar_se_bloqueado(request)
    contexto = {"form": form, "next": _proximo(request, "")}
    return render(request, "accounts/alterar_senha_form.html", contexto)


@login_required
def trocar_email(request):
    if not request.user.has_usable_password():
        # A troca pede a senha atual: quem só entrou pelo gov.br cria uma antes.
        messages.info(request, "Para trocar o e-mail, crie primeiro uma senha no portal.")
        return redirect(f"{reverse('accounts:alterar_senha')}?next={request.path}")
    form = forms.TrocaEmailForm(request, request.user, _dados(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.solicitar_troca_email(
                request.user, novo_email=form.cleaned_data["email"], ip=ip(request)
            )
        except services.ErroDeContas as erro:
            form.add_error("email", erro)
        else:
            messages.success(
                request,
                "Enviamos um link de confirmação para o novo e-mail. A troca só vale depois que "
                "você abrir esse link.",
            )
            return redirect("accounts:minha_conta")
    _encerrar_se_bloqueado(request)
    return render(request, "accounts/trocar_email_form.html", {"form": form})


def _encerrar_se_bloqueado(request):
    """Senha atual errada pela última vez antes do bloqueio do CPF (ou CPF já bloqueado): a
    sessão acaba, como se a pessoa tivesse errado no login; o django-axes troca a resposta
    pela página de bloqueio. Quem abriu a sessão não pode seguir testando senhas nela."""
    if autenticacao.cpf_bloqueado(request):
        services.registrar_sessao_encerrada_por_bloqueio(request.user, ip=ip(request))
        logout(request)


@never_cache  # o endereço leva o token e a página, o nome da pessoa
def confirmar_email(request, token):
    if request.method != "POST":
        try:
            dados = services.buscar_token(token, Finalidade.TROCA_EMAIL).dados
        except services.TokenInvalido:
            return render(request, "accounts/link_invalido.html", status=404)
        return render(request, "accounts/confirmar_email.html", {"novo_email": dados["novo_email"]})
    try:
        services.confirmar_troca_email(token, ip=ip(request))
    except services.TokenInvalido:
        return render(request, "accounts/link_invalido.html", status=404)
    messages.success(request, "Novo e-mail confirmado. Ele passa a ser o seu e-mail principal.")
    return redirect("accounts:minha_conta" if request.user.is_authenticated else "accounts:entrar")


@login_required
@ratelimit(key="ip", rate=LIMITE_PUBLICO, method="POST", block=True)
def definir_email(request):
    """Conta retomada pelo titular do CPF: sem e-mail até a pessoa confirmar o seu."""
    if request.user.email:
        return redirect("accounts:minha_conta")
    form = forms.DefinirEmailForm(_dados(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.solicitar_definicao_email(
                request.user, novo_email=form.cleaned_data["email"], ip=ip(request)
            )
        except services.ErroDeContas as erro:
            form.add_error("email", erro)
        else:
            messages.success(
                request,
                f"Enviamos um link de confirmação para {form.cleaned_data['email']}. Abra-o para "
                "que este passe a ser o e-mail da sua conta.",
            )
            return redirect("accounts:definir_email")
    return render(request, "accounts/definir_email_form.html", {"form": form})


@login_required
def meus_dados(request):
    conteudo = json.dumps(selectors.dados_pessoais(request.user), ensure_ascii=False, indent=2)
    resposta = HttpResponse(conteudo, content_type="application/json; charset=utf-8")
    resposta["Content-Disposition"] = 'attachment; filename="meus-dados-cagec.json"'
    return resposta
