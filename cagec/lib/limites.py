"""Limites por alvo (CPF, e-mail, convite, CNPJ, código), somados aos limites por IP.

O limite por IP (``@ratelimit(key="ip")``) não segura quem distribui as tentativas por
muitos endereços (uma botnet): cada IP fica abaixo do limite. O limite por alvo conta as
tentativas contra a mesma pessoa ou o mesmo documento, venham de onde vierem. Usa o mesmo
django-ratelimit (mesmo cache, mesma página 429, mesmo ``RATELIMIT_FAIL_OPEN``); a chave
no cache é um hash, então o CPF ou o e-mail não ficam legíveis no Redis.
"""

from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited


def conferir_alvo(request: HttpRequest, grupo: str, alvo: str | None, taxa: str) -> None:
    """Conta uma tentativa contra ``alvo`` no ``grupo``; acima de ``taxa``, responde 429.

    Sem alvo (campo vazio ou inválido), nada a contar: o formulário já recusa a tentativa.
    """
    if not alvo:
        return
    if is_ratelimited(
        request, group=f"alvo:{grupo}", key=lambda _g, _r: alvo, rate=taxa, increment=True
    ):
        raise Ratelimited
