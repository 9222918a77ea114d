"""Disjuntor (circuit breaker) por processo para o Redis: cache, limites e publicação de tarefas.

Um Redis congelado (``kill -STOP``, disco travado, rede que descarta pacotes) aceita a
conexão e nunca responde: cada operação espera o tempo limite do socket. Sem disjuntor, cada
pedido pagaria esse tempo várias vezes (limite por IP, cache, publicação). Com ele:

- **fechado** (normal): tudo passa. Na primeira falha de conexão ou tempo esgotado, abre.
- **aberto**: durante ``janela`` segundos ninguém fala com o Redis; quem pergunta recebe
  ``False`` em ``permite()`` e degrada (cache vazio, limite aberto, tarefa para a varredura).
- **meio-aberto**: passada a janela, **um** pedido testa o Redis; os outros continuam
  degradando. Se o teste funcionar, fecha; se falhar, abre por mais uma janela. Um teste
  que nunca volta (processo morto no meio) libera outro depois de mais uma janela.

Um disjuntor por servidor (``host:porta``), compartilhado pelo cache e pela fila do mesmo
Redis: o primeiro tempo esgotado do cache já poupa a publicação, e vice-versa. O estado é
deste processo (cada worker do gunicorn descobre sozinho, pagando um tempo limite); depois de
um ``fork`` o filho começa fechado e sem trava herdada.

Por que não ``pybreaker``: ele segura uma trava durante a chamada protegida, serializando
todas as idas ao Redis das threads do processo (e, com o Redis congelado, enfileirando-as
atrás da que espera o tempo limite). Aqui a trava protege só a troca de estado.
"""

import logging
import os
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings

log = logging.getLogger(__name__)

FECHADO = "fechado"
ABERTO = "aberto"
MEIO_ABERTO = "meio-aberto"


class Disjuntor:
    def __init__(
        self, nome: str, janela: float, relogio: Callable[[], float] = time.monotonic
    ) -> None:
        self.nome = nome
        self.janela = janela
        self._relogio = relogio
        self._trava = threading.Lock()
        self._aberto = False
        self._reabre_em = 0.0  # quando o próximo teste pode passar
        self._teste_ate = 0.0  # teste em andamento vale até aqui (0: nenhum)
        self.falhas = 0  # aberturas desde o início do processo (para /saude/ e testes)

    @property
    def estado(self) -> str:
        if not self._aberto:
            return FECHADO
        return ABERTO if self._relogio() < self._reabre_em else MEIO_ABERTO

    def permite(self) -> bool:
        """Pode falar com o Redis agora? Passada a janela, só um pedido por vez testa."""
        if not self._aberto:  # caminho rápido, sem trava: leitura de um atributo
            return True
        with self._trava:
            if not self._aberto:
                return True
            agora = self._relogio()
            if agora < self._reabre_em or agora < self._teste_ate:
                return False
            self._teste_ate = agora + self.janela
            return True

    def funcionou(self) -> None:
        if not self._aberto:
            return
        with self._trava:
            if self._aberto:
                self._aberto = False
                self._teste_ate = 0.0
                log.warning("Redis %s respondeu de novo: disjuntor fechado", self.nome)

    def falhou(self, erro: BaseException) -> None:
        with self._trava:
            estava_aberto = self._aberto
            self._aberto = True
            self._reabre_em = self._relogio() + self.janela
            self._teste_ate = 0.0
            self.falhas += 1
        if not estava_aberto:
            log.warning(
                "Redis %s não respondeu (%s: %s): disjuntor aberto; sem Redis por %.0f s",
                self.nome,
                type(erro).__name__,
                erro,
                self.janela,
            )

    def reiniciar(self) -> None:
        """Volta ao estado inicial (fechado), com uma trava nova (depois de um ``fork``)."""
        self._trava = threading.Lock()
        self._aberto = False
        self._reabre_em = self._teste_ate = 0.0


_DISJUNTORES: dict[str, Disjuntor] = {}
_TRAVA_REGISTRO = threading.Lock()


def servidor(url: str) -> str:
    """``host:porta`` de uma URL do Redis (sem usuário, senha nem banco)."""
    partes = urlsplit(url)
    return f"{partes.hostname or 'localhost'}:{partes.port or 6379}"


def do_redis(url: str) -> Disjuntor:
    """O disjuntor deste processo para o servidor Redis de ``url`` (criado na primeira vez)."""
    nome = servidor(url)
    disjuntor = _DISJUNTORES.get(nome)
    if disjuntor is None:
        with _TRAVA_REGISTRO:
            disjuntor = _DISJUNTORES.setdefault(nome, Disjuntor(nome, _janela()))
    return disjuntor


def todos() -> dict[str, Disjuntor]:
    return dict(_DISJUNTORES)


def _janela() -> float:
    return float(getattr(settings, "REDIS_DISJUNTOR_JANELA", 15.0))


def _depois_do_fork() -> None:
    global _TRAVA_REGISTRO
    _TRAVA_REGISTRO = threading.Lock()
    for disjuntor in _DISJUNTORES.values():
        disjuntor.reiniciar()


os.register_at_fork(after_in_child=_depois_do_fork)
