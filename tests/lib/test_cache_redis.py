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
