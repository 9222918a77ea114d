"""Redis congelado (``kill -STOP``) medido como o usuário encontra (issue #14, item 5).

Sobe um redis-server descartável, o portal no gunicorn de produção (``gunicorn.conf.py``,
``DJANGO_DEBUG=false``, PostgreSQL do benchmark) apontado para ele e visitantes concorrentes
(cada um com o seu IP pelo ``X-Forwarded-For`` de um balanceador confiável) em início,
consulta por nomes distintos, verificação de códigos distintos, inscrições com CPFs distintos
e o painel logado. Mede o Redis normal, congela o Redis (SIGSTOP), espera cada processo abrir
o disjuntor, mede de novo, descongela e mede quanto o portal leva para voltar ao Redis.
Imprime uma linha por meta com PASS/FAIL (sai 0 mesmo com FAIL; 2 se não consegue medir).

Uso, da raiz, com PostgreSQL em 127.0.0.1: ``.venv/bin/python bench/redis_congelado.py``.
Variáveis: ``DATABASE_URL`` (padrão o banco do ``bench/run.py``), ``BENCH_WORKERS`` (3),
``BENCH_CONCORRENCIA`` (= workers), ``BENCH_PEDIDOS`` (1000 por fase).

Import tardio: os módulos do portal e de ``tests.falhas`` só existem depois de
``django.setup()``, que este script chama com o ambiente do benchmark já definido.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("BENCH_USUARIOS", "1")  # só a pessoa do painel (cpf(0) do run.py)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run  # noqa: E402

WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
CONCORRENCIA = int(os.environ.get("BENCH_CONCORRENCIA", str(WORKERS)))
PEDIDOS = int(os.environ.get("BENCH_PEDIDOS", "1000"))
META_P95_MS = 100.0


def redis_descartavel(pasta):
    porta = run.porta_livre()
    proc = subprocess.Popen(  # noqa: S603 — binário do sistema, argumentos nossos
        [shutil.which("redis-server") or "redis-server", "--port", str(porta), "--save", ""],
        stdout=open(pasta / "redis.log", "wb"),  # noqa: SIM115 — vive com o processo
        stderr=subprocess.STDOUT,
    )
    import redis

    cliente = redis.Redis(port=porta, socket_timeout=2)
    for _ in range(100):
        try:
            cliente.ping()
            return proc, porta
        except redis.RedisError:
            time.sleep(0.05)
    raise run.ErroHarness("redis-server descartável não respondeu")


def medir(porta, sessao, quantos, inscritos=None):
    from tests.falhas._disjuntor import carga
    from tests.falhas.test_redis_congelado import _mistura, _preparar, _resumo

    pedidos = _mistura(quantos, {"sessionid": sessao}, inscritos if inscritos is not None else [])
    resultados = carga(pedidos, porta, concorrencia=CONCORRENCIA, preparar=_preparar)
    return _resumo(resultados), [r for r in resultados if r[1] >= 500]


def linha(nome, valor, alvo, passou):
    print(f"{nome:45} {valor:>14}  alvo {alvo:18} {'PASS' if passou else 'FAIL'}", flush=True)


def main():
    temp = Path(tempfile.mkdtemp(prefix="cagec-redis-congelado-"))
    redis_proc, redis_porta = redis_descartavel(temp)
    try:
        env = run.ambiente_portal(temp / "static")
        env |= {
            "REDIS_URL": f"redis://127.0.0.1:{redis_porta}/0",
            "PROXIES_CONFIAVEIS": "127.0.0.1",
            "GUNICORN_WORKERS": str(WORKERS),
            "GUNICORN_ACCESSLOG": "",
            "LOG_LEVEL": "WARNING",
        }
        os.environ.update(env)
        run.criar_banco()
        run.aviso("migrate e collectstatic")
        run.migrar(env)
        run.manage(env, "collectstatic", "--noinput", "-v0")
        import django

        django.setup()
        run.gerar_usuarios()
        with run.gunicorn("cagec.wsgi", env, temp) as porta:
            medir_com_redis_congelado(porta, redis_proc, temp)
    finally:
        redis_proc.send_signal(signal.SIGCONT)
        redis_proc.terminate()
        shutil.rmtree(temp, ignore_errors=True)


def _log(temp):
    return "".join(p.read_text(errors="replace") for p in temp.glob("gunicorn-*.log"))


def _esperar_log(temp, porta, sessao, trecho, prazo):
    inicio = time.monotonic()
    while _log(temp).count(trecho) < WORKERS:
        if time.monotonic() - inicio > prazo:
            return None
        medir(porta, sessao, 10)
    return time.monotonic() - inicio


def medir_com_redis_congelado(porta, redis_proc, temp):
    _, _, sessao = run.preparar_login(porta)
    medir(porta, sessao, 30)  # aquece os processos
    run.aviso("Redis normal")
    normal, erros_normal = medir(porta, sessao, PEDIDOS)
    redis_proc.send_signal(signal.SIGSTOP)
    run.aviso("Redis congelado: esperando cada processo abrir o disjuntor")
    _esperar_log(temp, porta, sessao, "disjuntor aberto", 60)
    inscritos = []
    congelado, erros = medir(porta, sessao, PEDIDOS, inscritos)
    redis_proc.send_signal(signal.SIGCONT)
    run.aviso("Redis descongelado: esperando cada processo voltar")
    volta = _esperar_log(temp, porta, sessao, "disjuntor fechado", 120)

    print(f"\nRedis congelado, {WORKERS} workers, {CONCORRENCIA} visitantes por vez")
    for rotulo, (n, _p50, p95, _) in congelado.items():
        normal_p95 = normal[rotulo][2] * 1000
        valor = f"{p95 * 1000:.1f} ms"
        linha(
            f"p95 {rotulo} (normal {normal_p95:.1f} ms, n={n})",
            valor,
            "<= 100 ms",
            p95 * 1000 <= META_P95_MS,
        )
    linha("respostas 5xx com o Redis congelado", str(len(erros)), "0", not erros)
    linha("respostas 5xx com o Redis normal", str(len(erros_normal)), "0", not erros_normal)
    texto = f"{volta:.1f} s" if volta is not None else "não voltou"
    linha(
        "volta ao Redis depois de descongelar",
        texto,
        "<= janela + 10 s",
        volta is not None and volta <= 25,
    )


if __name__ == "__main__":
    try:
        main()
    except run.ErroHarness as erro:
        print(f"ERRO: {erro}", file=sys.stderr)
        sys.exit(2)
