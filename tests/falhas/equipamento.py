"""Peças reais para os testes de falha: servidor SMTP de teste, worker Celery e proxy TCP.

- ``SinkSMTP``: um servidor SMTP de verdade (aiosmtpd) no loopback que guarda cada mensagem
  aceita e conta os Message-IDs. Modos: ``normal``; ``lento`` (guarda a mensagem e só responde
  ao fim do DATA depois de ``atraso`` segundos — o provedor que confirma depois do timeout do
  cliente); ``recusar`` (451 no RCPT: recusa temporária); ``mudo`` (a porta aceita a conexão e
  nada responde, nem a saudação). ``parar()`` fecha a porta (conexão recusada).
- ``WorkerProcesso``: ``celery -A cagec worker`` (prefork) num subprocesso, com as
  configurações de produção apontadas para o banco de teste, o Redis descartável e o sink.
  ``matar_filho()`` dá ``kill -9`` num processo do pool; ``matar()`` no worker inteiro.
- ``GunicornProcesso`` / ``gunicorn_de_producao``: ``gunicorn -c gunicorn.conf.py cagec.wsgi``
  com as configurações de produção (estáticos: os que a suíte coletou), atrás de um
  "balanceador" em 127.0.0.1; o log vai para um arquivo (``log()``, ``contar(trecho)``).
- ``ProxyTCP``: repassa uma porta do loopback para outra; ``cortar()`` derruba as conexões
  abertas e recusa novas (o banco "cai" para quem está atrás do proxy), ``religar()`` volta.
"""

import asyncio
import contextlib
import functools
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from email import message_from_bytes
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from aiosmtpd.controller import Controller
from django.conf import settings

from tests import servicos
from tests.servicos import porta_livre

RAIZ = Path(__file__).resolve().parents[2]


# O mesmo ``esperar`` de ``tests/servicos.py``, com prazo padrão maior: processos reais.
esperar = functools.partial(servicos.esperar, timeout=30.0)


def trocar_porta(url: str, porta: int) -> str:
    """A mesma URL (banco, Redis) apontando para ``127.0.0.1:porta`` (ex.: um ``ProxyTCP``)."""
    partes = urlsplit(url)
    credenciais = partes.netloc.rpartition("@")[0]
    netloc = f"{credenciais}@127.0.0.1:{porta}" if credenciais else f"127.0.0.1:{porta}"
    return urlunsplit(partes._replace(netloc=netloc))


# --- SMTP de teste ---------------------------------------------------------------------------


class _Manipulador:
    def __init__(self, sink: "SinkSMTP"):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.sink.modo == "recusar":
            return "451 4.3.0 Tente mais tarde (teste)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        # Guarda antes de responder: no modo lento a mensagem foi entregue, só a confirmação
        # é que chega tarde (o caso ambíguo para quem envia).
        self.sink.registrar(envelope.content, envelope.rcpt_tos)
        if self.sink.modo == "lento":
            await asyncio.sleep(self.sink.atraso)
        return "250 2.0.0 Mensagem aceita"


class SinkSMTP:
    def __init__(self, porta: int):
        self.porta = porta
        self.url = f"smtp://127.0.0.1:{porta}"
        self.atraso = 12.0
        self.mensagens: list[dict] = []
        self.message_ids: Counter[str] = Counter()
        self._modo = "normal"
        self._lock = threading.Lock()
        self._controlador: Controller | None = None
        self._mudo: socket.socket | None = None

    # ciclo de vida
    def iniciar(self):
        if self._controlador is None:
            self._controlador = Controller(
                _Manipulador(self), hostname="127.0.0.1", port=self.porta, ready_timeout=10
            )
            self._controlador.start()

    def parar(self):
        if self._controlador is not None:
            self._controlador.stop()
            self._controlador = None
        if self._mudo is not None:
            self._mudo.close()
            self._mudo = None

    @property
    def modo(self) -> str:
        return self._modo

    @modo.setter
    def modo(self, valor: str):
        assert valor in ("normal", "lento", "recusar", "mudo"), valor
        self.parar()
        self._modo = valor
        if valor == "mudo":
            # Escuta sem nunca aceitar: o kernel completa a conexão e ninguém fala.
            self._mudo = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._mudo.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._mudo.bind(("127.0.0.1", self.porta))
            self._mudo.listen(4096)
        else:
            self.iniciar()

    # contagem
    def registrar(self, conteudo: bytes, destinatarios):
        mensagem = message_from_bytes(conteudo)
        message_id = (mensagem.get("Message-ID") or "").strip()
        with self._lock:
            self.message_ids[message_id] += 1
            self.mensagens.append(
                {
                    "message_id": message_id,
                    "para": list(destinatarios),
                    "assunto": mensagem.get("Subject", ""),
                    "mensagem": mensagem,
                    "instante": time.monotonic(),
                }
            )

    @property
    def total(self) -> int:
        with self._lock:
            return len(self.mensagens)

    def duplicados(self) -> dict[str, int]:
        with self._lock:
            return {mid: n for mid, n in self.message_ids.items() if n > 1}

    def ids(self) -> set[str]:
        with self._lock:
            return set(self.message_ids)


# --- Worker Celery em subprocesso ------------------------------------------------------------


def ambiente_de_producao(banco_url, redis_url, email_url, media_root, extra=None):
    """O ambiente de um processo do portal com as configurações de produção (sem DEBUG)."""
    env = {
        chave: valor
        for chave, valor in os.environ.items()
        if not chave.startswith(("DJANGO_", "CELERY_", "PYTEST_", "EMAIL_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cagec.settings",
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_SECRET_KEY="teste-de-falhas-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        PORTAL_URL_BASE="http://testserver",
        DATABASE_URL=banco_url,
        REDIS_URL=redis_url,
        EMAIL_URL=email_url,
        MEDIA_ROOT=str(media_root),
        CACHE_KEY_PREFIX=f"falhas-{os.getpid()}",
        CELERY_TASK_ALWAYS_EAGER="false",
        PYTHONPATH=str(RAIZ),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def _filhos_de(pid: int) -> list[int]:
    filhos = []
    for entrada in Path("/proc").iterdir():
        if not entrada.name.isdigit():
            continue
        try:
            campos = (entrada / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(campos[1]) == pid:  # campos[0] é o estado, campos[1] o ppid
            filhos.append(int(entrada.name))
    return sorted(filhos)


class WorkerProcesso:
    def __init__(self, env, log_path: Path, *, concorrencia=2, filas=None, beat=False):
        self.env = env
        self.log_path = log_path
        self.concorrencia = concorrencia
        self.filas = filas
        self.beat = beat
        self.processo: subprocess.Popen | None = None
        self._log = None

    def comando(self) -> list[str]:
        nome = f"falhas-{id(self)}@%h"
        cmd = [sys.executable, "-m", "celery", "-A", "cagec", "worker", "-l", "info"]
        cmd += ["-P", "prefork", "-c", str(self.concorrencia), "-n", nome]
        cmd += ["--without-gossip", "--without-mingle"]
        if self.filas:
            cmd += ["-Q", ",".join(self.filas)]
        if self.beat:
            cmd += ["-B", "--schedule", str(self.log_path.with_suffix(".beat"))]
        return cmd

    def iniciar(self, *, timeout=60.0):
        self._log = open(self.log_path, "ab")  # noqa: SIM115 — fechado em parar()
        self.processo = subprocess.Popen(  # noqa: S603 — comando nosso
            self.comando(),
            env=self.env,
            cwd=RAIZ,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        esperar(
            lambda: " ready." in self.log() or not self.vivo,
            timeout=timeout,
            descricao="o worker Celery ficar pronto",
        )
        if not self.vivo:
            raise RuntimeError(f"o worker saiu ao iniciar:\n{self.log()[-4000:]}")
        return self

    @property
    def vivo(self) -> bool:
        return self.processo is not None and self.processo.poll() is None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def filhos(self) -> list[int]:
        return _filhos_de(self.processo.pid) if self.vivo else []

    def matar_filho(self) -> int:
        """``kill -9`` num processo do pool (o que estiver ocupado, se der para saber)."""
        filhos = self.filhos()
        assert filhos, "o worker não tem processos no pool"
        alvo = filhos[int(time.monotonic() * 1000) % len(filhos)]
        os.kill(alvo, signal.SIGKILL)
        return alvo

    def matar(self):
        """``kill -9`` no worker inteiro (processo principal e pool)."""
        if self.processo is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.processo.pid, signal.SIGKILL)
            self.processo.wait(timeout=10)

    def parar(self, timeout=20.0):
        if self.vivo:
            self.processo.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.processo.wait(timeout=timeout)
        self.matar()
        if self._log is not None:
            self._log.close()
            self._log = None


# --- gunicorn com a configuração do projeto ------------------------------------------------


class GunicornProcesso:
    """``gunicorn -c gunicorn.conf.py cagec.wsgi`` (configuração de produção) num subprocesso."""

    def __init__(self, env: dict, porta: int, log_path: Path, *, workers: int):
        self.porta = porta
        self.url = f"http://127.0.0.1:{porta}"
        self.workers = workers
        self.log_path = log_path
        self.env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{porta}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_ACCESSLOG": "",
        }
        self.processo: subprocess.Popen | None = None

    def iniciar(self, *, timeout=60.0):
        comando = [sys.executable, "-m", "gunicorn", "-c", str(RAIZ / "gunicorn.conf.py")]
        with open(self.log_path, "ab") as log:
            self.processo = subprocess.Popen(  # noqa: S603 — comando fixo
                [*comando, "cagec.wsgi"],
                cwd=RAIZ,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        esperar(self._responde, timeout=timeout, descricao=f"gunicorn na porta {self.porta}")
        return self

    def _responde(self) -> bool:
        if self.processo.poll() is not None:
            raise AssertionError(f"gunicorn saiu ao iniciar:\n{self.log()}")
        try:
            conexao = http.client.HTTPConnection("127.0.0.1", self.porta, timeout=5)
            conexao.request("GET", "/saude/")
            return conexao.getresponse().status == 200
        except OSError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def contar(self, trecho: str) -> int:
        return self.log().count(trecho)

    def parar(self, timeout=20.0):
        if self.processo is None or self.processo.poll() is not None:
            return
        os.killpg(self.processo.pid, signal.SIGTERM)
        try:
            self.processo.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.processo.pid, signal.SIGKILL)
            self.processo.wait(timeout=10)


@contextmanager
def gunicorn_de_producao(ambiente_do_portal, pasta: Path, *, workers=3, banco_url=None, extra=None):
    """Um gunicorn de produção já iniciado (parado na saída do ``with``).

    ``cagec.settings`` via ``_settings_gunicorn`` (só os estáticos apontados para os que a
    suíte coletou), atrás de um "balanceador" em 127.0.0.1 (``PROXIES_CONFIAVEIS``).
    """
    env = ambiente_do_portal(
        {
            "DJANGO_SETTINGS_MODULE": "tests.falhas._settings_gunicorn",
            "CAGEC_TESTE_STATIC_ROOT": str(settings.STATIC_ROOT),
            "PROXIES_CONFIAVEIS": "127.0.0.1",
            **(extra or {}),
        },
        banco_url=banco_url,
    )
    servidor = GunicornProcesso(env, porta_livre(), pasta / "gunicorn.log", workers=workers)
    try:
        servidor.iniciar()
        yield servidor
    finally:
        servidor.parar()


# --- Proxy TCP -------------------------------------------------------------------------------


class ProxyTCP:
    def __init__(self, destino_host: str, destino_porta: int, porta: int):
        self.destino = (destino_host, destino_porta)
        self.porta = porta
        self._ouvinte: socket.socket | None = None
        self._conexoes: set[socket.socket] = set()
        self._lock = threading.Lock()

    def religar(self):
        if self._ouvinte is not None:
            return
        ouvinte = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ouvinte.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ouvinte.bind(("127.0.0.1", self.porta))
        ouvinte.listen(256)
        self._ouvinte = ouvinte
        threading.Thread(target=self._aceitar, args=(ouvinte,), daemon=True).start()

    def cortar(self):
        """Derruba as conexões abertas e fecha a porta (novas conexões são recusadas)."""
        ouvinte, self._ouvinte = self._ouvinte, None
        if ouvinte is not None:
            with contextlib.suppress(OSError):
                ouvinte.shutdown(socket.SHUT_RDWR)
            ouvinte.close()
        with self._lock:
            conexoes, self._conexoes = self._conexoes, set()
        for conexao in conexoes:
            with contextlib.suppress(OSError):
                conexao.shutdown(socket.SHUT_RDWR)
            conexao.close()

    def _aceitar(self, ouvinte):
        while True:
            try:
                cliente, _ = ouvinte.accept()
            except OSError:
                return
            try:
                servidor = socket.create_connection(self.destino, timeout=5)
            except OSError:
                cliente.close()
                continue
            servidor.settimeout(None)
            with self._lock:
                self._conexoes.update((cliente, servidor))
            for de, para in ((cliente, servidor), (servidor, cliente)):
                threading.Thread(target=self._bombear, args=(de, para), daemon=True).start()

    def _bombear(self, de, para):
        try:
            while dados := de.recv(65536):
                para.sendall(dados)
        except OSError:
            pass
        finally:
            for s in (de, para):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
