"""Sessão com tempo de inatividade, exigência do termo de uso vigente e páginas sem cache."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from .services import termo_vigente

CHAVE_ATIVIDADE = "ultima_atividade"
CHAVE_INICIO = "inicio_da_sessao"
CHAVE_TERMO = "termo_aceito"
CHAVE_METODO = "metodo_login"  # "senha" ou "govbr": como a sessão foi aberta
# Caminhos que funcionam sem o termo aceito (sair, o próprio termo, arquivos, páginas públicas).
LIVRES_DE_TERMO = ("/termos/", "/sair/", "/static/", "/saude/", "/admin/logout/")


class SessaoInativaMiddleware:
    """Encerra a sessão após ``SESSAO_INATIVIDADE`` sem requisições ou 12 h depois do login.

    O limite absoluto é conferido aqui, no servidor: o Django renova o cookie a cada
    gravação da sessão (e a atividade é gravada a cada minuto), então o cookie sozinho
    nunca venceria para quem continua usando o portal.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.limite = settings.SESSAO_INATIVIDADE.total_seconds()
        self.absoluto = settings.SESSION_COOKIE_AGE

    def __call__(self, request):
        if request.user.is_authenticated:
            agora = time.time()
            ultima = request.session.get(CHAVE_ATIVIDADE, agora)
            inicio = request.session.setdefault(CHAVE_INICIO, agora)
            if agora - ultima > self.limite:
                return self._encerrar(request, "Sua sessão expirou por inatividade.")
            if agora - inicio > self.absoluto:
                horas = self.absoluto // 3600
                return self._encerrar(request, f"Sua sessão passou de {horas} horas.")
            if agora - ultima > 60 or CHAVE_ATIVIDADE not in request.session:
                request.session[CHAVE_ATIVIDADE] = agora  # grava no máximo uma vez por minuto
        return self.get_response(request)

    @staticmethod
    def _encerrar(request, motivo):
        logout(request)
        messages.info(request, f"{motivo} Entre novamente.")
        return redirect(f"{reverse('accounts:entrar')}?next={request.path}")


class TermoUsoMiddleware:
    """Depois de entrar, nada funciona até aceitar a versão vigente do termo."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and not request.path.startswith(LIVRES_DE_TERMO):
            termo = termo_vigente()
            if termo and request.session.get(CHAVE_TERMO) != termo.versao:
                if request.user.aceites.filter(termo=termo).exists():
                    request.session[CHAVE_TERMO] = termo.versao
                else:
                    return redirect(f"{reverse('accounts:termos')}?next={request.path}")
        return self.get_response(request)


class SemCacheParaQuemEntrouMiddleware:
    """Toda resposta a quem está logado sai com ``Cache-Control: no-store, private``.

    Páginas, JSON e arquivos de quem entrou trazem dados pessoais (e o nome no menu): nem o
    navegador nem um proxy guardam cópia (botão Voltar depois de sair, computador
    compartilhado). Vale por cima do cache que a view tenha pedido; páginas públicas para
    anônimos (consulta, CRC, verificação) mantêm o cache delas.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        resposta = self.get_response(request)
        if request.user.is_authenticated and "no-store" not in resposta.get("Cache-Control", ""):
            if "Cache-Control" in resposta:
                del resposta["Cache-Control"]  # sem "public"/"max-age" herdados da view
            add_never_cache_headers(resposta)
        return resposta


class EmailObrigatorioMiddleware:
    """Conta retomada pelo titular do CPF (sem e-mail): nada funciona até informar um.

    Sem e-mail a pessoa não recebe avisos nem links; ela informa o seu em
    ``/minha-conta/definir-email/`` e o confirma pelo link (``/minha-conta/email/<token>/``).
    """

    LIVRES = (*LIVRES_DE_TERMO, "/minha-conta/definir-email/", "/minha-conta/email/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        usuario = request.user
        livre = request.path.startswith(self.LIVRES)
        if usuario.is_authenticated and not usuario.email and not livre:
            return redirect("accounts:definir_email")
        return self.get_response(request)
