"""Sessão com tempo de inatividade e exigência do termo de uso vigente."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from .services import termo_vigente

CHAVE_ATIVIDADE = "ultima_atividade"
CHAVE_TERMO = "termo_aceito"
# Caminhos que funcionam sem o termo aceito (sair, o próprio termo, arquivos, páginas públicas).
LIVRES_DE_TERMO = ("/termos/", "/sair/", "/static/", "/saude/", "/admin/logout/")


class SessaoInativaMiddleware:
    """Encerra a sessão após ``SESSAO_INATIVIDADE`` sem requisições (a absoluta é o cookie)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.limite = settings.SESSAO_INATIVIDADE.total_seconds()

    def __call__(self, request):
        if request.user.is_authenticated:
            agora = time.time()
            ultima = request.session.get(CHAVE_ATIVIDADE, agora)
            if agora - ultima > self.limite:
                logout(request)
                messages.info(request, "Sua sessão expirou por inatividade. Entre novamente.")
                return redirect(f"{reverse('accounts:entrar')}?next={request.path}")
            if agora - ultima > 60 or CHAVE_ATIVIDADE not in request.session:
                request.session[CHAVE_ATIVIDADE] = agora  # grava no máximo uma vez por minuto
        return self.get_response(request)


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
