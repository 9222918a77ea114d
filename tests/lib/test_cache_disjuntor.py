"""Disjuntor do Redis (cagec.lib.disjuntor) e o cache/fila/saúde que passam por ele."""

import os
import signal
import threading
import time

import pytest

from cagec.lib import disjuntor as modulo
from cagec.lib.cache import RedisCacheTolerante
from cagec.lib.disjuntor import ABERTO, FECHADO, MEIO_ABERTO, Disjuntor


class Relogio:
    def __init__(self):
        self.agora = 1000.0

    def __call__(self):
        return self.agora


@pytest.fixture
def relogio():
    return Relogio()


@pytest.fixture
def d(relogio):
    return Disjuntor("teste:1", janela=10.0, relogio=relogio)


def test_fechado_deixa_passar_e_a_primeira_falha_abre(d):
    assert d.estado == FECHADO and d.permite()
    d.falhou(TimeoutError("congelado"))
    assert d.estado == ABERTO
    assert [d.permite() for _ in range(50)] == [False] * 50


def test_passada_a_janela_so_um_pedido_testa(d, relogio):
    d.falhou(TimeoutError())
    relogio.agora += 10.0
    assert d.estado == MEIO_ABERTO
    assert d.permite() is True  # o teste
    assert [d.permite() for _ in range(20)] == [False] * 20  # os outros degradam


def test_teste_que_funciona_fecha_e_o_que_falha_reabre_por_mais_uma_janela(d, relogio):
    d.falhou(TimeoutError())
    relogio.agora += 10.0
    assert d.permite()
    d.falhou(TimeoutError())
    assert d.estado == ABERTO and not d.permite()
    relogio.agora += 9.9
    assert not d.permite()
    relogio.agora += 0.2
    assert d.permite()
    d.funcionou()
    assert d.estado == FECHADO
    assert all(d.permite() for _ in range(10))


def test_teste_que_nunca_volta_libera_outro_depois_de_uma_janela(d, relogio):
    d.falhou(TimeoutError())
    relogio.agora += 10.0
    assert d.permite()  # o teste morreu sem dizer nada
    relogio.agora += 5.0
    assert not d.permite()
    relogio.agora += 5.1
    assert d.permite()


def test_meio_aberto_com_muitas_threads_deixa_passar_exatamente_uma(d, relogio):
    d.falhou(TimeoutError())
    relogio.agora += 10.0
    largada = threading.Barrier(16)
    resultados = []

    def pedir():
        largada.wait()
        resultados.append(d.permite())

    threads = [threading.Thread(target=pedir) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert resultados.count(True) == 1


def test_um_disjuntor_por_servidor_compartilhado_por_cache_e_fila():
    a = modulo.do_redis("redis://:senha@10.9.8.7:6390/1")
    b = modulo.do_redis("redis://10.9.8.7:6390/4")
    assert a is b and a.nome == "10.9.8.7:6390"
    assert modulo.do_redis("redis://10.9.8.7:6391/1") is not a


def test_processo_filho_comeca_com_o_disjuntor_fechado():
    d = modulo.do_redis("redis://10.9.8.6:6379/0")
    d.falhou(TimeoutError())
    leitura, escrita = os.pipe()
    pid = os.fork()
    if pid == 0:  # filho
        os.write(escrita, modulo.do_redis("redis://10.9.8.6:6379/0").estado.encode())
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(leitura, 32).decode() == FECHADO
    assert d.estado == ABERTO  # o pai continua com o dele
    d.funcionou()


# --- Cache, fila e saúde com um redis-server congelado (kill -STOP) ---------------------------


@pytest.fixture
def congelavel(redis_descartavel):
    """Um redis-server descartável que ``congelar()``/``descongelar()`` com SIGSTOP/SIGCONT."""

    class Congelavel:
        url = redis_descartavel.url
        porta = redis_descartavel.porta

        def congelar(self):
            os.kill(redis_descartavel.processo.pid, signal.SIGSTOP)

        def descongelar(self):
            os.kill(redis_descartavel.processo.pid, signal.SIGCONT)

    servidor = Congelavel()
    yield servidor
    servidor.descongelar()


def _cronometrar(funcao, *args, **kwargs):
    inicio = time.monotonic()
    valor = funcao(*args, **kwargs)
    return valor, time.monotonic() - inicio


@pytest.mark.servicos
@pytest.mark.django_db
def test_cache_com_redis_congelado_espera_uma_vez_e_depois_responde_na_hora(congelavel):
    cache = RedisCacheTolerante(
        congelavel.url,
        {"KEY_PREFIX": "t", "OPTIONS": {"socket_timeout": 0.3, "socket_connect_timeout": 0.3}},
    )
    cache.disjuntor.janela = 1.0
    cache.set("chave", "valor", 60)
    congelavel.congelar()

    valor, primeira = _cronometrar(cache.get, "chave", "padrão")
    assert valor == "padrão" and 0.25 <= primeira < 2.0  # pagou o tempo limite uma vez
    inicio = time.monotonic()
    for i in range(200):
        assert cache.get("chave") is None
        assert cache.add(f"limite{i}", 1, 60) is False
        with pytest.raises(ValueError):
            cache.incr("contador")  # o django-ratelimit deixa passar (RATELIMIT_FAIL_OPEN)
        cache.set("outra", 1)
    assert time.monotonic() - inicio < 0.5  # 800 operações sem ir ao Redis
    assert cache.disjuntor.estado == ABERTO

    congelavel.descongelar()
    time.sleep(1.05)  # a janela de teste: 1 s
    assert cache.get("chave") == "valor"  # o teste passou e fechou
    assert cache.disjuntor.estado == FECHADO
    assert cache.add("novo", 1, 60) is True


@pytest.mark.servicos
@pytest.mark.django_db
def test_fila_pula_o_broker_quando_o_cache_ja_viu_o_redis_congelado(
    congelavel, celery_no_redis, settings
):
    from accounts.tasks import varrer_pedidos_de_recuperacao as tarefa
    from cagec.lib import fila

    cache = RedisCacheTolerante(
        congelavel.url, {"OPTIONS": {"socket_timeout": 0.3, "socket_connect_timeout": 0.3}}
    )
    assert fila.publicar(tarefa) is True  # conexão do kombu aberta e no pool
    congelavel.congelar()
    cache.get("x")  # o cache paga o tempo limite e abre o disjuntor do servidor
    resultados = []
    inicio = time.monotonic()
    for _ in range(50):
        resultados.append(fila.publicar(tarefa))
    assert resultados == [False] * 50
    assert time.monotonic() - inicio < 0.5  # nenhuma espera pelo socket_timeout do kombu

    congelavel.descongelar()
    cache.disjuntor.funcionou()  # como se o teste do meio-aberto tivesse passado
    assert fila.publicar(tarefa) is True  # o pool do kombu se refaz sozinho
    assert celery_no_redis.connection_for_write().default_channel.client.llen("celery") >= 2


@pytest.mark.servicos
@pytest.mark.django_db
def test_fila_congelada_abre_o_disjuntor_na_primeira_publicacao(congelavel, celery_no_redis):
    from accounts.tasks import varrer_pedidos_de_recuperacao as tarefa
    from cagec.lib import fila

    congelavel.congelar()
    primeira, tempo = _cronometrar(fila.publicar, tarefa)
    assert primeira is False and tempo < 10
    assert modulo.do_redis(congelavel.url).estado == ABERTO
    _, depois = _cronometrar(fila.publicar, tarefa)
    assert depois < 0.1


@pytest.mark.servicos
@pytest.mark.django_db
def test_saude_com_redis_congelado_responde_depressa_e_mostra_falha(client, congelavel, settings):
    settings.REDIS_URL = congelavel.url
    settings.REDIS_TEMPO_LIMITE = 0.3
    congelavel.congelar()
    for _ in range(5):
        resposta, tempo = _cronometrar(client.get, "/saude/")
        assert resposta.status_code == 200 and tempo < 1.0
        assert resposta.json()["redis"] == "falha"
    assert modulo.do_redis(congelavel.url).estado == ABERTO
