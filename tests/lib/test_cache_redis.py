"""O cache Redis tolerante: incr numa ida só, com a mesma semântica do Django."""

import pytest

from cagec.lib.cache import RedisCacheTolerante

pytestmark = pytest.mark.django_db  # as fixtures automáticas da suíte usam o banco


@pytest.fixture
def cache_redis(redis_descartavel):
    return RedisCacheTolerante(
        f"redis://127.0.0.1:{redis_descartavel.porta}/0", {"KEY_PREFIX": "teste"}
    )


def test_incr_soma_numa_chave_que_existe_e_mantem_o_prazo(cache_redis, redis_descartavel):
    assert cache_redis.add("contador", 0, 60)
    assert cache_redis.incr("contador") == 1
    assert cache_redis.incr("contador", 5) == 6
    assert cache_redis.get("contador") == 6
    chave = cache_redis.make_and_validate_key("contador")
    assert 0 < redis_descartavel.cliente().ttl(chave) <= 60  # o INCR não tirou o prazo


def test_incr_de_chave_que_nao_existe_levanta_valueerror_e_nao_cria_nada(cache_redis):
    with pytest.raises(ValueError):
        cache_redis.incr("nunca_existiu")
    assert cache_redis.get("nunca_existiu") is None  # nada de contador eterno sem prazo


def test_incr_com_redis_fora_levanta_valueerror(cache_redis, redis_descartavel):
    cache_redis.add("contador", 0, 60)
    redis_descartavel.parar()
    with pytest.raises(ValueError):
        cache_redis.incr("contador")


# --- O cache dos limites: uma ida ao Redis por tentativa --------------------------------------


@pytest.fixture
def limites(redis_descartavel):
    from cagec.lib.cache import LimitesRedis

    return LimitesRedis(f"redis://127.0.0.1:{redis_descartavel.porta}/0", {"KEY_PREFIX": "t"})


def test_limites_contam_com_add_e_incr_como_o_django_ratelimit_espera(limites, redis_descartavel):
    assert limites.add("ip", 1, 60) is True  # primeira tentativa: count = 1
    for esperado in (2, 3, 4):
        assert limites.add("ip", 1, 60) is False
        assert limites.incr("ip") == esperado
    assert limites.get("ip") == 4
    chave = limites.make_and_validate_key("ip")
    assert 0 < redis_descartavel.cliente().ttl(chave) <= 60
    # Só olhar (increment=False: add com 0 e get) não conta.
    assert limites.add("ip", 0, 60) is False
    assert limites.get("ip") == 4


def test_limites_o_incr_depois_do_add_nao_vai_ao_redis(limites, monkeypatch):
    limites.add("alvo", 1, 60)
    assert limites.add("alvo", 1, 60) is False
    idas = []
    original = type(limites._cache).get_client

    def contar(*args, **kwargs):
        idas.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(type(limites._cache), "get_client", contar)
    assert limites.incr("alvo") == 2
    assert idas == []  # o add já tinha contado
    assert limites.incr("alvo") == 3  # o valor guardado vale uma vez só: este foi ao Redis
    assert len(idas) == 1


def test_django_ratelimit_bloqueia_no_limite_com_o_cache_dos_limites(
    redis_descartavel, rf, settings
):
    from django_ratelimit.core import is_ratelimited

    settings.CACHES = {
        **settings.CACHES,
        "limites_teste": {
            "BACKEND": "cagec.lib.cache.LimitesRedis",
            "LOCATION": redis_descartavel.url,
            "KEY_PREFIX": "rl",
        },
    }
    settings.RATELIMIT_USE_CACHE = "limites_teste"
    request = rf.post("/", REMOTE_ADDR="10.0.0.9")
    bloqueado = [
        is_ratelimited(request, group="g", key="ip", rate="3/m", increment=True) for _ in range(5)
    ]
    assert bloqueado == [False, False, False, True, True]
    assert redis_descartavel.cliente().keys("rl:*")
