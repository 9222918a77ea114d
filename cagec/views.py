"""Páginas do portal que não pertencem a um app: início, saúde, limite excedido, erros."""

import hmac
import logging
import sys

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit

from cagec.lib import saude as pecas

log = logging.getLogger(__name__)


def home(request):
    return render(request, "home.html")


@never_cache
def saude(request):
    """Vivacidade, para o balanceador: 200 se o banco responde (``cagec.lib.saude``).

    O Redis aparece no JSON, mas fora do ar não tira o nó: o portal degrada sem ele.
    """
    banco = pecas.banco().estado
    estado = {"banco": banco, "redis": pecas.redis_().estado}
    ok = banco == "ok"
    corpo = {"status": "ok" if ok else "falha", **estado}
    resposta = JsonResponse(corpo, status=200 if ok else 503)
    if not ok:
        resposta["Retry-After"] = str(settings.INDISPONIVEL_TENTAR_DE_NOVO_SEGUNDOS)
    return resposta


def _limite_da_prontidao(_grupo, request) -> str | None:
    """Cada chamada grava e lê um arquivo de prova na mídia e conta a caixa de saída: anônimos
    têm limite por IP (o balanceador usa ``/saude/``); equipe e monitoramento, não."""
    return None if _pode_ver_detalhe(request) else settings.SAUDE_PRONTIDAO_LIMITE_POR_IP


@never_cache
@ratelimit(key="ip", rate=_limite_da_prontidao, block=True)
def prontidao(request):
    """Prontidão: cada peça registrada em ``cagec.lib.saude`` (``pecas``); 503 se alguma falhou."""
    resultados = pecas.prontidao()
    ok = all(r.estado != "falha" for r in resultados.values())
    com_detalhe = _pode_ver_detalhe(request)
    corpo = {
        nome: ({"estado": r.estado, **r.detalhe} if com_detalhe else {"estado": r.estado})
        for nome, r in resultados.items()
    }
    return JsonResponse({"status": "ok" if ok else "falha", **corpo}, status=200 if ok else 503)


def _pode_ver_detalhe(request) -> bool:
    if getattr(request.user, "is_staff", False):
        return True
    token = settings.SAUDE_TOKEN
    enviado = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(enviado, f"Bearer {token}")


def limite_excedido(request, exception=None):
    return render(request, "429.html", status=429)


def erro_400(request, exception=None):
    return render(request, "400.html", status=400)


def erro_403(request, exception=None):
    return render(request, "403.html", status=403)


def falha_csrf(request, reason=""):
    return render(request, "403_csrf.html", status=403)


def erro_404(request, exception=None):
    return render(request, "404.html", status=404)


def erro_500(request):
    """Erro interno; se a causa é o banco fora do ar, a página 503 (``servico_indisponivel``)."""
    if banco_fora(sys.exc_info()[1]):
        return servico_indisponivel(request)
    return render(request, "500.html", {"estilos": _estilos_da_pagina_de_erro()}, status=500)


# SQLSTATE do PostgreSQL que querem dizer "o servidor não está atendendo": classe 08
# (conexão) e 57P01–57P03 (desligando, reiniciando, ainda não aceita conexões).
_SQLSTATE_DE_BANCO_FORA = ("08", "57P01", "57P02", "57P03")


def banco_fora(erro: BaseException | None) -> bool:
    """``erro`` é o banco fora do ar (e não um erro da consulta: deadlock, tempo esgotado)?"""
    if isinstance(erro, InterfaceError):
        return True
    if not isinstance(erro, OperationalError):
        return False
    causa = erro.__cause__
    if causa is None or type(causa).__module__.startswith("sqlite3"):
        return False
    sqlstate = getattr(causa, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(_SQLSTATE_DE_BANCO_FORA)


_INDISPONIVEL = "Serviço temporariamente indisponível. Tente novamente em alguns minutos."


def servico_indisponivel(request):
    """503 com ``Retry-After`` e a página em português, montada sem tocar no banco.

    Sem ``request`` no contexto: nenhum context processor roda (usuário, sessão, mensagens).
    """
    segundos = settings.INDISPONIVEL_TENTAR_DE_NOVO_SEGUNDOS
    log.error("Banco de dados indisponível: %s respondido com 503", request.path)
    resposta: HttpResponse
    if "application/json" in request.headers.get("Accept", ""):  # envio.js e afins
        resposta = JsonResponse({"erro": _INDISPONIVEL, "anuncio": _INDISPONIVEL}, status=503)
    else:
        contexto = {"estilos": _estilos_da_pagina_de_erro(), "minutos": max(1, segundos // 60)}
        resposta = HttpResponse(render_to_string("503.html", contexto), status=503)
    resposta["Retry-After"] = str(segundos)
    resposta["Cache-Control"] = "no-store"
    return resposta


def _estilos_da_pagina_de_erro() -> list[str]:
    """As folhas de estilo do portal (com hash), ou nenhuma se o próprio erro for o manifesto."""
    try:
        return [
            staticfiles_storage.url("bootstrap/css/bootstrap.min.css"),
            staticfiles_storage.url("css/portal.css"),
        ]
    except Exception:  # noqa: BLE001 — a página de erro nunca pode falhar por causa do estilo
        return []
