"""Peças dos testes de falha da fila (convites, importação, reinício do broker).

Complementam ``tests/falhas/equipamento.py`` sem mexer nele:

- ``criar_importados(n)``: ``n`` pessoas importadas pendentes (COPY, sem hash de senha);
- ``Supervisor``: o papel do ``restart: unless-stopped`` do compose / ``Restart=always`` do
  systemd: se o worker morrer, sobe outro igual e anota a queda (com o fim do log);
- ``reiniciar_redis``: derruba e sobe o ``redis-server`` descartável (sem persistência: as
  mensagens na fila e as não confirmadas somem, como no reinício observado).
"""

import time

from accounts import services as contas
from cagec.lib.documentos import calcular_dv_cpf


def cpf(n: int) -> str:
    base = f"{n + 300_000_000:09d}"
    return base + calcular_dv_cpf(base)


def criar_importados(n: int, *, inicio: int = 0) -> dict[str, int]:
    pessoas = (
        (cpf(i), f"Pessoa Importada {i}", f"importada{i}@exemplo.mg.gov.br", "")
        for i in range(inicio, inicio + n)
    )
    return contas.criar_pendentes_em_massa(pessoas)


class Supervisor:
    """Mantém um worker de pé como o compose/systemd fariam (reinício imediato)."""

    def __init__(self, fabrica, **opcoes):
        self.fabrica = fabrica
        self.opcoes = opcoes
        self.worker = None
        self.quedas: list[str] = []

    def iniciar(self):
        self.worker = self.fabrica(**self.opcoes)
        self.worker.iniciar()
        return self

    def conferir(self) -> bool:
        """Se o worker caiu, anota o motivo e sobe outro; ``True`` se estava vivo."""
        if self.worker.vivo:
            return True
        self.quedas.append(self.worker.log()[-3000:])
        self.iniciar()
        return False


def reiniciar_redis(redis, *, fora: float = 0.3):
    """Reinício rápido (< 1 s) do broker, como o observado: parar, esperar, subir."""
    redis.parar()
    time.sleep(fora)
    redis.iniciar()


def com_gossip_e_mingle(worker):
    """O worker como o compose o subia antes (sem ``--without-gossip --without-mingle``)."""
    original = worker.comando

    def comando():
        return [c for c in original() if c not in ("--without-gossip", "--without-mingle")]

    worker.comando = comando
    return worker
