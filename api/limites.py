"""Limites da API (classes de *throttle* do DRF) e a contagem de uso por chave.

Anônimo: por IP (``API_LIMITE_ANONIMO_POR_IP``, o mesmo IP do portal:
``cagec.lib.rede.ip_para_limites``). Com chave: o ``limite_por_minuto`` da chave. Janela fixa
(como o django-ratelimit do portal), contada no cache dos limites (``RATELIMIT_USE_CACHE``):
com o Redis, um script só faz o INCR do limite e, se houver chave, o HINCRBY do uso do dia —
uma ida ao Redis por chamada. Redis fora (ou disjuntor aberto): o limite deixa de valer
(``RATELIMIT_FAIL_OPEN``, como no portal) e as chamadas desse intervalo não são contadas.
Sem Redis (modo embutido), o limite conta no cache local e o uso vai direto ao banco.
"""

import logging
import time
from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from cagec.lib.cache import FALHAS_DE_CONEXAO, RedisCacheTolerante
from cagec.lib.rede import ip_para_limites

from . import uso
from .models import ChaveApi

log = logging.getLogger(__name__)

_PERIODOS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# KEYS[1]: contador da janela; KEYS[2] (opcional): hash do uso do dia. ARGV: prazo da janela,
# campo (id da chave) e prazo do hash do uso.
_CONTAR = (
    "local n = redis.call('incr', KEYS[1]) "
    "if n == 1 then redis.call('expire', KEYS[1], ARGV[1]) end "
    "if KEYS[2] then redis.call('hincrby', KEYS[2], ARGV[2], 1) "
    "redis.call('expire', KEYS[2], ARGV[3]) end "
    "return n"
)


def taxa(texto: str) -> tuple[int, int]:
    """``"60/m"`` → (60, 60): chamadas permitidas e a janela em segundos."""
    numero, _, periodo = texto.partition("/")
    return int(numero), _PERIODOS[periodo.strip()[:1]]


def contar(nome: str, janela: int, chave_id: int | None = None) -> tuple[int, float]:
    """Conta uma chamada no limite ``nome``; devolve (contagem na janela, segundos até ela
    acabar). Com ``chave_id``, soma a chamada ao uso do dia da chave. Falha: contagem 0."""
    agora = time.time()
    inicio = int(agora // janela) * janela
    restante = inicio + janela - agora
    cache = uso.cache_dos_limites()
    chave = f"api:lim:{nome}:{inicio}"
    if isinstance(cache, RedisCacheTolerante):
        return _contar_no_redis(cache, chave, janela, chave_id), restante
    contagem = 1 if cache.add(chave, 1, janela) else _incr(cache, chave, janela)
    if chave_id is not None:
        uso.registrar_no_banco(chave_id)
    return contagem, restante


def _incr(cache: Any, chave: str, janela: int) -> int:
    try:
        return int(cache.incr(chave))
    except ValueError:  # a janela venceu entre o add e o incr: começa outra
        cache.add(chave, 1, janela)
        return 1


def _contar_no_redis(
    cache: RedisCacheTolerante, chave: str, janela: int, chave_id: int | None
) -> int:
    protecao = cache.disjuntor
    if not protecao.permite():
        return 0
    chaves: list[Any] = [cache.make_and_validate_key(chave)]
    argumentos: list[Any] = [janela + 1]
    if chave_id is not None:
        chaves.append(uso.chave_do_dia(cache))
        argumentos += [chave_id, uso.PRAZO_DO_CONTADOR]
    try:
        cliente = cache._cache.get_client(chaves[0], write=True)
        contagem = int(cliente.eval(_CONTAR, len(chaves), *chaves, *argumentos))
    except FALHAS_DE_CONEXAO as erro:
        protecao.falhou(erro)
        log.warning("API: limites sem Redis (deixando passar): %s", erro)
        return 0
    protecao.funcionou()
    return contagem


class _Limite(BaseThrottle):
    espera: float | None = None

    def _conferir(self, nome: str, permitidas: int, janela: int, chave_id: int | None) -> bool:
        contagem, restante = contar(nome, janela, chave_id)
        if contagem <= permitidas:
            return True
        self.espera = max(1.0, restante)
        return False

    def wait(self) -> float | None:
        return self.espera


class LimiteAnonimoPorIp(_Limite):
    """Chamadas sem chave: ``API_LIMITE_ANONIMO_POR_IP`` por IP do cliente."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.auth is not None:
            return True
        permitidas, janela = taxa(settings.API_LIMITE_ANONIMO_POR_IP)
        return self._conferir(f"ip:{ip_para_limites(request)}", permitidas, janela, None)


class LimitePorChave(_Limite):
    """Chamadas com chave: o limite da própria chave, por minuto; cada uma conta no uso."""

    def allow_request(self, request: Request, view: Any) -> bool:
        chave = request.auth
        if not isinstance(chave, ChaveApi):
            return True
        return self._conferir(f"chave:{chave.pk}", chave.limite_por_minuto, 60, chave.pk)
