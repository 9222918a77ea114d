"""Cache Redis que não derruba o request quando o Redis cai ou trava.

O cache guarda o que pode ser recalculado (limites por IP, sessões em ``cached_db``,
termo vigente). Com o Redis fora, cada operação se comporta como um cache vazio: leitura
devolve o padrão, escrita não faz nada, ``incr`` levanta ``ValueError`` (o que o
django-ratelimit trata como falha e, com ``RATELIMIT_FAIL_OPEN``, deixa passar). Cada
falha fica no log; o ``/saude/`` mostra o Redis como "falha".
"""

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

_FALHAS = (RedisConnectionError, RedisTimeoutError, OSError)

# Um método do cache (cada um com a sua assinatura, que o envoltório mantém).
_Metodo = TypeVar("_Metodo", bound=Callable[..., Any])


def _tolerante(resultado_na_falha: object) -> Callable[[_Metodo], _Metodo]:
    def decorador(metodo: _Metodo) -> _Metodo:
        @functools.wraps(metodo)
        def envoltorio(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
            try:
                return metodo(self, *args, **kwargs)
            except _FALHAS as erro:
                log.warning("Cache Redis indisponível em %s: %s", metodo.__name__, erro)
                if resultado_na_falha is _PADRAO:
                    return kwargs.get("default", args[1] if len(args) > 1 else None)
                if isinstance(resultado_na_falha, type) and issubclass(
                    resultado_na_falha, Exception
                ):
                    raise resultado_na_falha("cache indisponível") from erro
                return resultado_na_falha() if callable(resultado_na_falha) else resultado_na_falha

        return cast(_Metodo, envoltorio)

    return decorador


_PADRAO = object()


# INCR só se a chave existe, numa ida ao Redis (o incr do Django faz EXISTS e depois
# INCRBY: duas). O limite por IP chama add + incr a cada pedido público.
_INCR_SE_EXISTE = (
    "if redis.call('exists', KEYS[1]) == 1 then "
    "return redis.call('incrby', KEYS[1], ARGV[1]) end return false"
)


def _incr_numa_ida(self: RedisCache, key: str, delta: int = 1, version: int | None = None) -> int:
    chave = self.make_and_validate_key(key, version=version)
    valor = self._cache.get_client(chave, write=True).eval(_INCR_SE_EXISTE, 1, chave, delta)
    if valor is None:
        raise ValueError(f"Key '{key}' not found.")
    return cast(int, valor)  # INCRBY devolve o novo valor inteiro


class _ClienteReaproveitado(RedisCacheClient):
    """Um ``redis.Redis`` por pool, reaproveitado: o do Django cria um a cada operação, e
    cada criação monta ~170 callbacks de resposta (~0,15 ms por operação; issue #15). O
    cliente do redis-py é seguro entre threads (cada comando pega a sua conexão do pool).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clientes: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # privado, sem stub
        cliente = self._clientes.get(id(pool))
        if cliente is None:
            novo = self._client  # type: ignore[attr-defined]  # a classe redis.Redis (privado)
            cliente = self._clientes[id(pool)] = novo(connection_pool=pool)
        return cliente


class RedisCacheTolerante(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ClienteReaproveitado

    get = _tolerante(_PADRAO)(RedisCache.get)
    add = _tolerante(False)(RedisCache.add)
    set = _tolerante(None)(RedisCache.set)
    touch = _tolerante(False)(RedisCache.touch)
    delete = _tolerante(False)(RedisCache.delete)
    has_key = _tolerante(False)(RedisCache.has_key)
    get_many = _tolerante(dict)(RedisCache.get_many)
    set_many = _tolerante(list)(RedisCache.set_many)
    delete_many = _tolerante(None)(RedisCache.delete_many)
    incr = _tolerante(ValueError)(_incr_numa_ida)
    clear = _tolerante(False)(RedisCache.clear)
