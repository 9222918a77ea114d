"""Páginas do portal que não pertencem a um app: início, saúde, limite excedido, erros."""

import logging

import redis
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

log = logging.getLogger(__name__)


def home(request):
    return render(request, "home.html")


@never_cache
def saude(request):
    """Para o balanceador: 200 se o banco (e o Redis, quando configurado) respondem."""
    estado = {"banco": _verificar_banco(), "redis": _verificar_redis()}
    ok = all(v in ("ok", "nao_configurado") for v in estado.values())
    return JsonResponse({"status": "ok" if ok else "falha", **estado}, status=200 if ok else 503)


def _verificar_banco():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:  # noqa: BLE001 — qualquer falha conta como fora do ar
        log.exception("Saúde: banco indisponível")
        return "falha"


def _verificar_redis():
    if not settings.REDIS_URL:
        return "nao_configurado"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except Exception:  # noqa: BLE001
        log.warning("Saúde: Redis indisponível")
        return "falha"


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
    return render(request, "500.html", {"estilos": _estilos_da_pagina_de_erro()}, status=500)


def _estilos_da_pagina_de_erro() -> list[str]:
    """As folhas de estilo do portal (com hash), ou nenhuma se o próprio erro for o manifesto."""
    try:
        return [
            staticfiles_storage.url("bootstrap/css/bootstrap.min.css"),
            staticfiles_storage.url("css/portal.css"),
        ]
    except Exception:  # noqa: BLE001 — a página de erro nunca pode falhar por causa do estilo
        return []
