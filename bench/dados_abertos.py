"""Geração dos dados abertos no benchmark: tempo e pico de memória (RSS) de um processo.

A meta (issue #16): todos os Parceiros do banco do benchmark (100 000) em CSV e JSON Lines
em até 60 s e com pico de RSS de até 300 MB. A geração roda como em produção, num processo
próprio (``manage.py gerar_dados_abertos``: partida do Python e do Django incluída), e o
pico é o ``ru_maxrss`` desse filho, lido com ``os.wait4``. O ``RUSAGE_CHILDREN`` do
``resource.getrusage`` daria o maior pico entre todos os filhos já terminados do
``bench/run.py`` (migrate, collectstatic, gunicorn), não o desta geração.

Sozinho, contra um banco já com Parceiros (o do benchmark, depois de um ``make bench``):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cagec_bench \
        .venv/bin/python bench/dados_abertos.py
"""

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
LIMITE_SEGUNDOS = 60
LIMITE_MB = 300


@dataclass
class Medida:
    segundos: float
    pico_mb: float
    linhas: int
    saida: str

    @property
    def passou(self):
        return self.segundos <= LIMITE_SEGUNDOS and self.pico_mb <= LIMITE_MB


def medir(env=None):
    """Roda ``manage.py gerar_dados_abertos`` num subprocesso e mede tempo e pico de RSS."""
    inicio = time.perf_counter()
    with tempfile.TemporaryFile() as saida:
        processo = subprocess.Popen(
            [sys.executable, "manage.py", "gerar_dados_abertos"],
            cwd=RAIZ,
            env=env or os.environ,
            stdout=saida,
            stderr=subprocess.STDOUT,
        )
        _, status, uso = os.wait4(processo.pid, 0)
        segundos = time.perf_counter() - inicio
        processo.returncode = os.waitstatus_to_exitcode(status)
        saida.seek(0)
        texto = saida.read().decode("utf-8", "replace")
    if processo.returncode:
        raise RuntimeError(f"gerar_dados_abertos falhou ({processo.returncode}):\n{texto}")
    # ru_maxrss em KiB no Linux.
    return Medida(segundos, uso.ru_maxrss / 1024, _linhas(texto), texto)


def _linhas(texto):
    """As linhas do CSV, lidas da saída do comando ("CSV: ... — 100.000 linha(s), ...")."""
    for linha in texto.splitlines():
        if linha.startswith("CSV:") and " linha(s)" in linha:
            numero = linha.split(" — ", 1)[1].split(" linha(s)", 1)[0]
            return int(numero.replace(".", ""))
    return 0


if __name__ == "__main__":
    medida = medir()
    print(medida.saida, end="")
    resultado = "PASS" if medida.passou else "FAIL"
    print(
        f"Dados abertos: {medida.segundos:.1f} s, pico de RSS {medida.pico_mb:.0f} MB, "
        f"{medida.linhas} linhas (alvo <= {LIMITE_SEGUNDOS} s, {LIMITE_MB} MB): {resultado}"
    )
