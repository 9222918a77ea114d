"""Cache Redis que não derruba nem atrasa o pedido quando o Redis cai ou congela.

O cache guarda o que pode ser recalculado (limites por IP e por alvo, páginas públicas,
contagens do menu, termo vigente). Com o Redis fora, cada operação se comporta como um
cache vazio: leitura devolve o padrão, escrita não faz nada, ``incr`` levanta ``ValueError``
(o que o django-ratelimit trata como falha e, com ``RATELIMIT_FAIL_OPEN``, deixa passar).

Toda operação passa pelo disjuntor do servidor (``cagec.lib.disjuntor``): o primeiro tempo
esgotado ou erro de conexão abre o disjuntor e, durante a janela, as operações nem tentam o
Redis (respondem como cache vazio na hora). A abertura e o fechamento ficam no log; o
``/saude/`` mostra o Redis como "degradado" ou "falha".
"""

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from cagec.lib import disjuntor
from cagec.lib.disjuntor import Disjuntor

log = logging.getLogger(__name__)

FALHAS_DE_CONEXAO = (RedisConnectionError, RedisTimeoutError, OSError)

# Um método do cache (cada um com a sua assinatura, que o envoltório mantém).
_Metodo = TypeVar("_Metodo", bound=Callable[..., Any])
_PADRAO = object()


def _na_falha(resultado_na_falha: object, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if resultado_na_falha is _PADRAO:
        return kwargs.get("default", args[1] if len(args) > 1 else None)
    if isinstance(resultado_na_falha, type) and issubclass(resultado_na_falha, Exception):
        raise resultado_na_falha("cache indisponível")
    return resultado_na_falha() if callable(resultado_na_falha) else resultado_na_falha


def _tolerante(resultado_na_falha: object) -> Callable[[_Metodo], _Metodo]:
    def decorador(metodo: _Metodo) -> _Metodo:
        @functools.wraps(metodo)
        def envoltorio(self: "RedisCacheTolerante", *args: Any, **kwargs: Any) -> Any:
            protecao = self.disjuntor
            if not protecao.permite():
                return _na_falha(resultado_na_falha, args, kwargs)
            try:
                resultado = metodo(self, *args, **kwargs)
            except FALHAS_DE_CONEXAO as erro:
                protecao.falhou(erro)
                log.warning("Cache Redis indisponível em %s: %s", metodo.__name__, erro)
                return _na_falha(resultado_na_falha, args, kwargs)
            except Exception:
                protecao.funcionou()  # o Redis respondeu (um erro de comando, não de conexão)
                raise
            protecao.funcionou()
            return resultado

        return cast(_Metodo, envoltorio)

    return decorador


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
    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ClienteReaproveitado
        servidores = server if isinstance(server, list) else str(server).split(",")
        self.disjuntor: Disjuntor = disjuntor.do_redis(servidores[0])

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


# Contar uma tentativa numa ida só: INCR e, se a chave acabou de nascer, o prazo.
_CONTAR = (
    "local n = redis.call('incr', KEYS[1]) "
    "if n == 1 then redis.call('expire', KEYS[1], ARGV[1]) end return n"
)


class LimitesRedis(RedisCacheTolerante):
    """O cache só dos limites (``RATELIMIT_USE_CACHE``): cada tentativa custa uma ida ao Redis.

    O django-ratelimit conta com ``add(chave, 1, prazo)`` e, se a chave já existia,
    ``incr(chave)``: duas idas por limite, e um pedido de inscrição passa por três limites
    (IP, CPF, e-mail). Aqui ``add`` com valor 1 já conta (INCR + EXPIRE num script) e guarda
    o novo valor para o ``incr`` que vem logo depois, na mesma thread, sem outra ida. Só os
    limites usam este alias: nenhum outro ``add`` passa por aqui.
    """

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._contado = threading.local()

    def _contar(self, key: str, value: Any, timeout: Any = 300, version: int | None = None) -> bool:
        if value != 1 or isinstance(value, bool):
            return RedisCache.add(self, key, value, timeout, version)
        chave = self.make_and_validate_key(key, version=version)
        prazo = self.get_backend_timeout(timeout) or 300
        n = int(self._cache.get_client(chave, write=True).eval(_CONTAR, 1, chave, int(prazo)))
        self._contado.valor = None if n == 1 else (chave, n)
        return n == 1

    def _incr_contado(self, key: str, delta: int = 1, version: int | None = None) -> int:
        chave = self.make_and_validate_key(key, version=version)
        contado = getattr(self._contado, "valor", None)
        self._contado.valor = None
        if delta == 1 and contado is not None and contado[0] == chave:
            return cast(int, contado[1])  # o add acabou de contar esta tentativa
        return _incr_numa_ida(self, key, delta, version)

    add = _tolerante(False)(_contar)
    incr = _tolerante(ValueError)(_incr_contado)
