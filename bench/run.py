"""Benchmark de velocidade do Portal CAGEC (metas de velocidade, ver bench/README.md).

Mede primeiro B (view nua servida pelo gunicorn.conf.py do projeto) e depois o portal
real com a mesma configuração, PostgreSQL e Redis. Imprime uma linha por meta com
PASS/FAIL. Sai com 0 mesmo com FAIL (é um relatório); 2 só quando o próprio
benchmark não consegue medir (serviço fora do ar, gunicorn que não sobe...).

Uso, da raiz do repositório: .venv/bin/python bench/run.py   (ou make bench)

Os modelos e serviços do portal são importados dentro das funções de propósito (import
tardio): só existem depois de ``django.setup()``, que este script chama com as variáveis do
banco do benchmark já definidas.
"""

import contextlib
import http.client
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

RAIZ = Path(__file__).resolve().parent.parent
BENCH = RAIZ / "bench"
BIN = Path(sys.executable).parent  # o gunicorn do mesmo virtualenv
sys.path.insert(0, str(RAIZ))

DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cagec_bench")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3")
# Os CRCs emitidos (PDFs) valem entre rodadas: fora da pasta temporária de cada rodada.
MEDIA = Path(os.environ.get("BENCH_MEDIA_ROOT", Path(tempfile.gettempdir()) / "cagec-bench-media"))
USUARIOS = int(os.environ.get("BENCH_USUARIOS", "150000"))
SEGUNDOS = int(os.environ.get("BENCH_SEGUNDOS", "10"))  # -d do wrk (metas: 10 s)
SEGUNDOS_LOGIN = int(os.environ.get("BENCH_SEGUNDOS_LOGIN", "15"))  # poucos logins/s: mais tempo
SENHA = "Bench#Cagec2026"
DOMINIO = "@bench.invalid"  # marca os usuários gerados aqui
CPF_BASE = 300_000_000  # longe dos CPFs do carregar_demo (100000001...)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class ErroHarness(Exception):
    """O benchmark não conseguiu medir (não é uma meta reprovada)."""


INICIO = time.monotonic()


def aviso(msg):
    # Progresso no stderr (o relatório fica limpo no stdout), com o tempo desde o início.
    print(f"[{time.monotonic() - INICIO:5.0f} s] {msg}", file=sys.stderr, flush=True)


def milhar(n):
    return f"{n:,.0f}".replace(",", " ")


# --- Preparação: serviços, banco, dados -------------------------------------------------------


def ambiente_portal(static_root):
    """As variáveis de produção do portal, apontadas para o banco e o Redis do benchmark."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
        "BENCH_STATIC_ROOT": str(static_root),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-chave-que-nao-e-segredo-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_HTTPS": "false",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": "cagec-bench",
        # Todo o tráfego vem de 127.0.0.1: com 30/m o limite por IP mediria o 429.
        "LOGIN_LIMITE_POR_IP": "1000000/m",
        "CONSULTA_LIMITE_POR_IP": "100000000/m",
        "CRC_LIMITE_POR_IP": "100000000/m",
        "VERIFICACAO_LIMITE_POR_IP": "100000000/m",
        "API_LIMITE_ANONIMO_POR_IP": "100000000/m",
        "EXPORTACAO_LIMITE_POR_IP": "100000000/m",
        "EXPORTACAO_LIMITE_GLOBAL": "100000000/m",
        "MEDIA_ROOT": str(MEDIA),
        "LOG_LEVEL": "WARNING",
    }


def verificar_servicos():
    for nome, url in (("DATABASE_URL", DATABASE_URL), ("REDIS_URL", REDIS_URL)):
        if urlsplit(url).hostname not in LOOPBACK:
            raise ErroHarness(f"{nome} precisa apontar para 127.0.0.1 (o benchmark grava dados).")
    if not shutil.which("wrk"):
        raise ErroHarness("wrk não encontrado (apt-get install wrk).")
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as erro:
        raise ErroHarness(f"Redis indisponível em {REDIS_URL}: {erro}") from erro


def criar_banco():
    import psycopg
    from psycopg import sql

    nome = urlsplit(DATABASE_URL).path.lstrip("/")
    try:
        with psycopg.connect(
            DATABASE_URL, dbname="postgres", autocommit=True, connect_timeout=3
        ) as conexao:
            existe = "SELECT 1 FROM pg_database WHERE datname = %s"
            if not conexao.execute(existe, [nome]).fetchone():
                aviso(f"criando o banco {nome}")
                conexao.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(nome)))
    except psycopg.OperationalError as erro:
        raise ErroHarness(f"PostgreSQL indisponível: {erro}") from erro


def manage(env, *args):
    r = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=RAIZ,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if r.returncode:
        raise ErroHarness(f"manage.py {' '.join(args)} falhou:\n{r.stdout}{r.stderr}")


MIGRACAO_0002 = "accounts.migrations.0002_termo_v1_e_auditoria_somente_inclusao"


def migrar(env):
    """manage.py migrate, contornando a accounts/0002 quebrada no PostgreSQL.

    A 0002 chama schema_editor.execute(GATILHO) com params=(), e o Django/psycopg tomam o
    "%" do RAISE como placeholder. Até ela usar params=None, aplicamos os mesmos efeitos
    (termo v1 + gatilho, do próprio módulo da migração) e a marcamos com --fake.
    Só dispara nesse erro exato; com a migração corrigida, nunca roda.
    """
    try:
        manage(env, "migrate", "--noinput")
        return
    except ErroHarness as erro:
        if "0002_termo_v1" not in str(erro) or "allowed as placeholders" not in str(erro):
            raise
    aviso("accounts/0002 falhou no PostgreSQL (bug conhecido); aplicando-a à parte")
    manage(env, "migrate", "accounts", "0001", "--noinput")
    import importlib

    import django
    from django.apps import apps
    from django.db import connection, transaction

    django.setup()
    migracao = importlib.import_module(MIGRACAO_0002)
    with transaction.atomic(), connection.cursor() as cursor:
        migracao.criar_termo(apps, None)
        cursor.execute(migracao.GATILHO)  # sem params: nada de interpolação no cliente
    manage(env, "migrate", "accounts", "0002", "--fake", "--noinput")
    manage(env, "migrate", "--noinput")


def cpf(indice):
    from cagec.lib.documentos import calcular_dv_cpf

    base = str(CPF_BASE + indice)
    return base + calcular_dv_cpf(base)


def gerar_usuarios():
    """USUARIOS contas ativas, com o termo vigente aceito. Idempotente.

    O hash Argon2 de produção é calculado uma vez e repetido em todas as linhas: 150 000
    hashes a ~0,2 s cada levariam horas. bulk_create em vez de aceitar_termo() pelo mesmo
    motivo (um aceite com auditoria por transação).
    """
    from django.contrib.auth.hashers import check_password, identify_hasher, make_password
    from django.db import connection

    from accounts.models import AceiteTermo, Usuario
    from accounts.services import termo_vigente

    termo = termo_vigente()
    if termo is None:
        raise ErroHarness("Nenhum TermoUso publicado (a migração 0002 devia criar a versão 1).")
    gerados = Usuario.objects.filter(email__endswith=DOMINIO)
    senha_hash = make_password(SENHA)
    amostra = gerados.first()
    # Hash de outra senha ou de outros parâmetros: no login o Django refaria o hash
    # (must_update) e o benchmark mediria dois hashes por login. Troca todos de uma vez.
    if amostra and (
        not check_password(SENHA, amostra.password)
        or identify_hasher(amostra.password).must_update(amostra.password)
        or identify_hasher(amostra.password).algorithm != identify_hasher(senha_hash).algorithm
    ):
        aviso("hash dos usuários existentes desatualizado; regravando")
        gerados.update(password=senha_hash)
    faltam = USUARIOS - gerados.count()
    if faltam > 0:
        aviso(f"criando {faltam} usuários (hash Argon2 único)")
        lote = 5000
        for inicio in range(0, USUARIOS, lote):
            Usuario.objects.bulk_create(
                [
                    Usuario(
                        cpf=cpf(i),
                        nome=f"Pessoa Bench {i}",
                        email=f"pessoa{i}{DOMINIO}",
                        password=senha_hash,
                        situacao=Usuario.Situacao.ATIVO,
                        origem=Usuario.Origem.IMPORTACAO,
                    )
                    for i in range(inicio, min(inicio + lote, USUARIOS))
                ],
                ignore_conflicts=True,
            )
    sem_aceite = gerados.exclude(aceites__termo=termo).values_list("id", flat=True)
    AceiteTermo.objects.bulk_create(
        [AceiteTermo(usuario_id=i, termo=termo) for i in sem_aceite],
        batch_size=5000,
        ignore_conflicts=True,
    )
    with connection.cursor() as cursor:  # estatísticas frescas: o planner não chuta
        cursor.execute("VACUUM ANALYZE accounts_usuario, accounts_aceitetermo")
    return termo


# --- gunicorn e wrk -------------------------------------------------------------------------


def porta_livre():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cauda(caminho, linhas=20):
    return "\n".join(Path(caminho).read_text(errors="replace").splitlines()[-linhas:])


@contextlib.contextmanager
def gunicorn(app, env, pasta_log):
    """Sobe ``gunicorn -c gunicorn.conf.py app`` num loopback e o derruba ao sair."""
    porta = porta_livre()
    log = Path(pasta_log) / f"gunicorn-{porta}.log"
    with open(log, "wb") as saida:
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", app],
            cwd=RAIZ,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{porta}"},
            stdout=saida,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # grupo próprio: mestre e workers saem juntos
        )
    try:
        for _ in range(120):  # até 60 s para subir
            if proc.poll() is not None:
                raise ErroHarness(f"gunicorn ({app}) saiu com {proc.returncode}:\n{cauda(log)}")
            with contextlib.suppress(OSError):
                conexao = http.client.HTTPConnection("127.0.0.1", porta, timeout=5)
                conexao.request("GET", "/")
                conexao.getresponse().read()
                break
            time.sleep(0.5)
        else:
            raise ErroHarness(f"gunicorn ({app}) não respondeu em 60 s:\n{cauda(log)}")
        yield porta
    finally:
        parar(proc)


def parar(proc):
    for sinal, espera in ((signal.SIGTERM, 25), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sinal)
        try:
            proc.wait(timeout=espera)
            return
        except subprocess.TimeoutExpired:
            continue


@dataclass
class Medida:
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    erros: int
    extra: dict


def wrk(porta, caminho, segundos=SEGUNDOS, script="percentis.lua", args=(), opcoes=()):
    cmd = [
        "wrk",
        "-t1",
        "-c16",
        f"-d{segundos}s",
        "--latency",
        *opcoes,
        "-s",
        str(BENCH / script),
        f"http://127.0.0.1:{porta}{caminho}",
    ]
    if args:
        cmd += ["--", *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=segundos + 60, check=False)
    valores = dict(re.findall(r"^BENCH (\w+) (\d+)$", r.stdout, re.M))
    if r.returncode or "requisicoes" not in valores:
        raise ErroHarness(f"wrk falhou em {caminho}:\n{r.stdout}{r.stderr}")
    v = {k: int(n) for k, n in valores.items()}
    return Medida(
        rps=v["requisicoes"] / (v["duracao_us"] / 1e6),
        p50_ms=v["p50_us"] / 1000,
        p95_ms=v["p95_us"] / 1000,
        p99_ms=v["p99_us"] / 1000,
        erros=v["erros_status"] + v["erros_socket"],
        extra=v,
    )


# --- Login: um de verdade antes da carga ----------------------------------------------------


def pedir(porta, metodo, caminho, corpo=None, cookies=None):
    conexao = http.client.HTTPConnection("127.0.0.1", porta, timeout=30)
    cabecalhos = {"Cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())}
    if corpo is not None:
        cabecalhos["Content-Type"] = "application/x-www-form-urlencoded"
    conexao.request(metodo, caminho, body=corpo, headers=cabecalhos)
    resposta = conexao.getresponse()
    html = resposta.read().decode(errors="replace")
    novos = SimpleCookie()
    for linha in resposta.headers.get_all("Set-Cookie") or []:
        novos.load(linha)
    conexao.close()
    return resposta, html, {k: m.value for k, m in novos.items()}


def preparar_login(porta):
    """Obtém cookie + token CSRF e prova que um login dá 302 para /painel/ e o painel abre.

    Se isso falhar, a carga de login mediria só recusas: é erro do benchmark.
    Devolve (cookie csrftoken, token do formulário, sessionid de um usuário logado).
    """
    resposta, html, cookies = pedir(porta, "GET", "/entrar/")
    achado = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if resposta.status != 200 or "csrftoken" not in cookies or not achado:
        raise ErroHarness(f"GET /entrar/ sem CSRF utilizável (status {resposta.status}).")
    csrf, token = cookies["csrftoken"], achado.group(1)
    corpo = urlencode({"csrfmiddlewaretoken": token, "cpf": cpf(0), "senha": SENHA})
    resposta, html, novos = pedir(porta, "POST", "/entrar/", corpo, {"csrftoken": csrf})
    destino = resposta.headers.get("Location", "")
    if resposta.status != 302 or "/painel/" not in destino or "sessionid" not in novos:
        raise ErroHarness(f"Login de teste recusado: {resposta.status} {destino!r}\n{html[:500]}")
    resposta, _, _ = pedir(porta, "GET", "/painel/", cookies={"sessionid": novos["sessionid"]})
    if resposta.status != 200:
        raise ErroHarness(f"/painel/ depois do login deu {resposta.status} (termo não aceito?).")
    return csrf, token, novos["sessionid"]


def consultas(caminho, usuario=None, *, primeira=False):
    """Consultas SQL de um GET já aquecido (a segunda chamada), no mesmo settings; com
    ``primeira``, as do primeiro pedido (caminho frio: a chave nunca foi pedida)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    cliente = Client(HTTP_HOST="127.0.0.1")
    if usuario is not None:
        cliente.force_login(usuario, backend="django.contrib.auth.backends.ModelBackend")
    if not primeira:
        cliente.get(caminho)
    with CaptureQueriesContext(connection) as capturadas:
        resposta = cliente.get(caminho)
    if resposta.status_code != 200:
        raise ErroHarness(f"{caminho} no cliente de teste deu {resposta.status_code}.")
    return len(capturadas.captured_queries)


def custo_hash():
    """Tempo real e de CPU (todas as threads do Argon2) de uma verificação de senha."""
    from django.contrib.auth.hashers import get_hasher, make_password

    hasher = get_hasher()
    codificado = make_password(SENHA)
    relogio, cpu = time.perf_counter(), time.process_time()
    for _ in range(5):
        hasher.verify(SENHA, codificado)
    return hasher, (time.perf_counter() - relogio) / 5, (time.process_time() - cpu) / 5


# --- Relatório ------------------------------------------------------------------------------

linhas = []


def meta(nome, texto, alvo, passou):
    linhas.append((nome, texto, alvo, "PASS" if passou else "FAIL"))


def em_b(rps, b):
    return f"{milhar(rps)} req/s = {rps / b:.3f} B"


def _metas_da_carga(nome, m, b, min_b, max_p95):
    """Linhas de vazão (se a meta tiver uma) e p95 de uma medida do wrk; erros reprovam."""
    nota = f" ({m.erros} erros)" if m.erros else ""
    if min_b is not None:
        meta(
            f"{nome} vazão",
            em_b(m.rps, b) + nota,
            f">= {min_b:.2f} B",
            m.rps >= min_b * b and not m.erros,
        )
    meta(
        f"{nome} p95",
        f"{m.p95_ms:.1f} ms{nota}",
        f"<= {max_p95} ms",
        m.p95_ms <= max_p95 and not m.erros,
    )


def medir_unicos(porta, nome, caminhos, b, *, pasta, min_b, max_p95=None, max_p50=None, **kw):
    """Cada caminho UMA vez (bench/unicos.lua): aquecimento e medida com chaves diferentes."""
    from bench import frio

    contar, aquecer, medir = frio.separar(caminhos)
    arquivos = []
    for parte, lista in (("aquecer", aquecer), ("medir", medir)):
        arquivos.append(pasta / f"unicos-{abs(hash(nome))}-{parte}.txt")
        arquivos[-1].write_text("".join(f"{c}\n" for c in lista))
    wrk(porta, "/", segundos=2, script="unicos.lua", args=[str(arquivos[0])])
    m = wrk(porta, "/", script="unicos.lua", args=[str(arquivos[1])])
    if m.extra.get("esgotado"):
        meta(nome, f"lista esgotada ({len(medir)} chaves)", "mais chaves", False)
        return
    nota = f" ({m.extra['usados']} chaves distintas)"
    if min_b is not None:
        meta(f"{nome} vazão", em_b(m.rps, b) + nota, f">= {min_b:.2f} B", m.rps >= min_b * b)
    for rotulo, valor, alvo in (("p95", m.p95_ms, max_p95), ("p50", m.p50_ms, max_p50)):
        if alvo is not None:
            passou = valor <= alvo and not m.erros
            meta(f"{nome} {rotulo}", f"{valor:.1f} ms", f"<= {alvo} ms", passou)
    if m.erros:
        meta(f"{nome} erros", str(m.erros), "0", False)
    if kw.get("max_consultas") is not None:
        n = max(consultas(c, primeira=True) for c in contar)
        alvo = kw["max_consultas"]
        meta(f"{nome} consultas", f"{n} (1º pedido)", f"<= {alvo}", n <= alvo)


# Medidas frias (issue #15; a API, issue #16): lista de ``frio.listas()``, metas e consultas.
FRIAS = (
    ("verificar frio", "verificar", {"min_b": 0.25, "max_p95": 50, "max_consultas": 2}),
    ("consulta frio", "consulta", {"min_b": 0.10, "max_p95": 100, "max_consultas": 4}),
    ("CRC 1ª emissão", "primeira", {"min_b": 0.05, "max_p50": 60, "max_consultas": None}),
    ("CRC reemissão", "reemissao", {"min_b": 0.15, "max_p95": 100, "max_consultas": 3}),
    (
        "API regularidade frio",
        "regularidade",
        {"min_b": 0.15, "max_p95": 50, "max_consultas": 4},
    ),
)


def medir_publico(porta, b, pasta):
    """Área pública no caminho frio (metas da issue #15), a API de regularidade no caminho
    frio (issue #16) e, informativa, a medida morna."""
    from bench import frio, publico

    listas = frio.listas()
    aviso(
        f"frio: {len(listas['verificar'])} códigos, {len(listas['consulta'])} buscas, "
        f"{len(listas['regularidade'])} CNPJs da API"
    )
    for nome, lista, metas in FRIAS:
        medir_unicos(porta, nome, listas[lista], b, pasta=pasta, **metas)
    aviso("morno (rodízio por 200 chaves, informativo)")
    mornos = [f"/verificar/{c.split('/')[-2]}/" for c in listas["verificar"][:200]]
    medir_morno(porta, "verificar morno", mornos, b, pasta)
    medir_morno(porta, "consulta morna", publico.caminhos_consulta(), b, pasta)


def medir_morno(porta, nome, caminhos, b, pasta):
    arquivo = pasta / f"caminhos-{abs(hash(nome))}.txt"
    arquivo.write_text("".join(f"{c}\n" for c in caminhos))
    wrk(porta, caminhos[0], segundos=2, script="caminhos.lua", args=[str(arquivo)])
    m = wrk(porta, caminhos[0], script="caminhos.lua", args=[str(arquivo)])
    meta(nome, f"{em_b(m.rps, b)}, p95 {m.p95_ms:.1f} ms", "informativo", not m.erros)


def medir_pdf_e_exportacao():
    from bench import publico

    aviso("render do CRC (1 e 3 páginas)")
    for paginas, ms in sorted(publico.medir_renderizacao().items()):
        alvo = 60 if paginas == 1 else 150  # 2 páginas: o alvo de 1–3 páginas (150 ms)
        meta(f"CRC render {paginas} pág.", f"mediana {ms:.0f} ms", f"<= {alvo} ms", ms <= alvo)
    ms, n = publico.medir_emissao_completa()
    meta("CRC 1ª emissão (total)", f"mediana {ms:.0f} ms ({n} Parceiros)", "informativo", n > 0)
    for formato in ("xlsx", "pdf"):
        aviso(f"exportação {formato} de 10 000 linhas")
        segundos, mb, linhas_, tamanho = publico.medir_exportacao(formato)
        meta(
            f"Exportação {formato.upper()}",
            f"{segundos:.1f} s, {mb:.0f} MB, {milhar(linhas_)} linhas, {tamanho // 1024} KB",
            "<= 5 s, 200 MB",
            segundos <= 5 and mb <= 200 and linhas_ == 10000,
        )
    medir_dados_abertos()


def medir_dados_abertos():
    """Todos os Parceiros em CSV e JSON Lines, num subprocesso (tempo e pico de RSS)."""
    from bench import dados_abertos
    from bench import parceiros as bench_parceiros

    aviso("dados abertos de todos os Parceiros (manage.py gerar_dados_abertos)")
    m = dados_abertos.medir()
    meta(
        "Dados abertos",
        f"{m.segundos:.1f} s, {m.pico_mb:.0f} MB RSS, {milhar(m.linhas)} linhas",
        f"<= {dados_abertos.LIMITE_SEGUNDOS} s, {dados_abertos.LIMITE_MB} MB",
        m.passou and m.linhas >= bench_parceiros.PARCEIROS,
    )


def medir_pagina(porta, caminho, b, *, min_b, max_p95, max_consultas, usuario=None, sessao=None):
    """Vazão (se a meta tiver uma), p95 e consultas de um GET; erros HTTP reprovam."""
    nome = f"GET {caminho}"
    opcoes = ["-H", f"Cookie: sessionid={sessao}"] if sessao else []
    wrk(porta, caminho, segundos=2, opcoes=opcoes)  # aquece templates e conexões
    _metas_da_carga(nome, wrk(porta, caminho, opcoes=opcoes), b, min_b, max_p95)
    n = consultas(caminho, usuario)
    meta(f"{nome} consultas", str(n), f"<= {max_consultas}", n <= max_consultas)


def main():
    verificar_servicos()
    carga_inicio = os.getloadavg()[0]
    temp = Path(tempfile.mkdtemp(prefix="cagec-bench-"))
    try:
        env = ambiente_portal(temp / "static")
        os.environ.update(env)  # o django.setup() deste processo usa o mesmo ambiente
        preparar(env)
        bare = medir_b(env, temp)
        login = medir_portal(env, temp, bare.rps)
        medir_recalculo_noturno()
        medir_pdf_e_exportacao()
        aviso("custo do hasher")
        hasher = custo_hash()
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    imprimir_relatorio(bare, login, hasher, carga_inicio)


def _pdfs_guardados(certificado_model):
    primeiro = certificado_model.objects.order_by("pk").values_list("pdf", flat=True).first()
    return primeiro is None or (MEDIA / primeiro).exists()


def preparar(env):
    """Banco, migrações, estáticos e dados (Parceiros, fila, CRCs de hoje)."""
    criar_banco()
    aviso("migrate e collectstatic")
    migrar(env)
    manage(env, "collectstatic", "--noinput", "-v0")
    import django

    django.setup()
    aviso("dados")
    gerar_usuarios()
    from django.contrib.auth.models import Group
    from django.core.cache import cache

    from accounts.models import Usuario
    from bench import frio
    from bench import parceiros as bench_parceiros
    from declaracoes.models import Certificado

    ids = list(
        Usuario.objects.filter(email__endswith=DOMINIO)
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )
    bench_parceiros.gerar(ids, aviso)
    # Os PDFs ficam em MEDIA_ROOT (fora da pasta temporária) e valem entre rodadas; se a
    # pasta sumiu (máquina reiniciada), os certificados sem arquivo vão embora.
    if not _pdfs_guardados(Certificado):
        Certificado.objects.all().delete()
    cache.clear()
    frio.garantir_crcs_de_hoje(aviso)
    # A pessoa medida no painel também é analista (equipe): mede a fila com a mesma sessão.
    Usuario.objects.filter(cpf=cpf(0)).update(is_staff=True)
    Usuario.objects.get(cpf=cpf(0)).groups.add(Group.objects.get(name="Analista"))


def medir_b(env, temp):
    """B: a view nua (sem middleware, sem banco) no mesmo gunicorn.conf.py."""
    aviso("medindo B (view nua)")
    nua = {**env, "DJANGO_SETTINGS_MODULE": "bench.bare_settings"}
    with gunicorn("bench.bare_wsgi:application", nua, temp) as porta:
        wrk(porta, "/", segundos=2)
        bare = wrk(porta, "/")
    if bare.erros or bare.rps <= 0:
        raise ErroHarness(f"A view nua deu {bare.erros} erros; B não é confiável.")
    return bare


def medir_portal(env, temp, b):
    """Páginas, painel, fila, área pública e login no portal real; devolve a medida do login."""
    from accounts.models import Usuario

    aviso("subindo o portal")
    with gunicorn("cagec.wsgi:application", env, temp) as porta:
        aviso("login de teste")
        csrf, token, sessao = preparar_login(porta)
        aviso("medindo páginas públicas")
        for caminho in ("/", "/entrar/"):
            medir_pagina(porta, caminho, b, min_b=0.10, max_p95=100, max_consultas=4)
        usuario = Usuario.objects.get(cpf=cpf(0))
        for caminho, o_que in (
            ("/painel/", "o painel (logado)"),
            ("/analise/", "a fila de análise (logado, analista)"),
        ):
            aviso(f"medindo {o_que}")
            medir_pagina(
                porta,
                caminho,
                b,
                min_b=None,
                max_p95=150,
                max_consultas=8,
                usuario=usuario,
                sessao=sessao,
            )
        medir_publico(porta, b, temp)
        login = medir_login(porta, temp, csrf, token)
    aceitos = login.extra["logins_aceitos"] / (login.extra["duracao_us"] / 1e6)
    recusados = login.extra["logins_recusados"]
    nota = f" ({recusados} recusados)" if recusados else ""
    meta(
        "Login vazão",
        f"{aceitos:.1f} logins/s = {aceitos / b:.4f} B{nota}",
        ">= 8 logins/s",
        aceitos >= 8,
    )
    return login


def medir_login(porta, temp, csrf, token):
    """POST /entrar/ pelo login.lua, girando por até 2 000 CPFs com a senha certa."""
    aviso(f"medindo login ({SEGUNDOS_LOGIN} s)")
    amostra = random.Random(42).sample(range(1, USUARIOS), min(USUARIOS - 1, 2000))
    arquivo = temp / "cpfs.txt"
    arquivo.write_text("".join(f"{cpf(i)}\n" for i in amostra))
    return wrk(
        porta,
        "/entrar/",
        segundos=SEGUNDOS_LOGIN,
        script="login.lua",
        args=[str(arquivo), quote(SENHA, safe=""), csrf, token],
        opcoes=["--timeout", "10s"],
    )


def medir_recalculo_noturno():
    from bench import parceiros as bench_parceiros

    aviso("recálculo da situação de todos os Parceiros")
    segundos, n_consultas, mudaram = bench_parceiros.medir_recalculo()
    meta(
        "Recálculo noturno",
        f"{segundos:.1f} s, {n_consultas} consultas ({mudaram} mudaram)",
        "<= 60 s",
        segundos <= 60,
    )
    segundos2, n_consultas2, _ = bench_parceiros.medir_recalculo()
    meta(
        "Recálculo (2ª vez)",
        f"{segundos2:.1f} s, {n_consultas2} consultas",
        "consultas fixas",
        n_consultas2 <= n_consultas,
    )


def imprimir_relatorio(bare, login, custo, carga_inicio):
    """O relatório no stdout: cabeçalho, B, uma linha por meta e o diagnóstico."""
    from bench import parceiros as bench_parceiros

    b = bare.rps
    nucleos = os.cpu_count() or 1
    carga_fim = os.getloadavg()[0]
    print(
        f"Portal CAGEC — benchmark ({nucleos} núcleos, {USUARIOS} usuários, "
        f"{bench_parceiros.PARCEIROS} parceiros, {bench_parceiros.FILA} na fila, wrk -t1 -c16)"
    )
    print(
        f"B = {milhar(b)} req/s (view nua, sem middleware e sem banco; "
        f"p50 {bare.p50_ms:.1f} ms, p95 {bare.p95_ms:.1f} ms)"
    )
    print()
    print(f"{'meta':<24} {'medido':<36} {'alvo':<16} resultado")
    for nome, texto, alvo, resultado in linhas:
        print(f"{nome:<24} {texto:<36} {alvo:<16} {resultado}")
    print()
    print(f"Login: p50 {login.p50_ms:.0f} ms, p95 {login.p95_ms:.0f} ms sob 16 conexões.")
    hasher, relogio, cpu = custo
    print(
        f"Hasher {hasher.algorithm} (t={getattr(hasher, 'time_cost', '?')}, "
        f"m={getattr(hasher, 'memory_cost', '?')} KiB, p={getattr(hasher, 'parallelism', '?')}): "
        f"{relogio * 1000:.0f} ms por verificação, {cpu * 1000:.0f} ms de CPU "
        f"→ teto de {nucleos / cpu:.1f} logins/s em {nucleos} núcleos só com o hash."
    )
    # B e as páginas são medidos na mesma rodada, mas outra carga na máquina (testes de
    # navegador, outro benchmark) distorce até as razões: o load average denuncia isso.
    print(f"Load average (1 min): {carga_inicio:.1f} no início, {carga_fim:.1f} no fim", end="")
    print(" — máquina ocupada, repita com ela ociosa." if carga_inicio > 1 else ".")


def _sair_com_sigterm(*_):
    raise SystemExit(143)  # transforma SIGTERM em exceção: os finally derrubam o gunicorn


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _sair_com_sigterm)
    try:
        main()
    except ErroHarness as erro:
        print(f"ERRO DO BENCHMARK: {erro}", file=sys.stderr)
        sys.exit(2)
