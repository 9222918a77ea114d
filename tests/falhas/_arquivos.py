"""Equipamento do item 6 (falhas de armazenamento): um disco de mídia pequeno de verdade.

``disco_pequeno`` (gerador de fixture) monta um tmpfs de poucos MB e aponta ``MEDIA_ROOT``
para ele; ``encher`` ocupa o espaço com um arquivo de enchimento até sobrar ``livre`` bytes
(o kernel responde ``ENOSPC`` de verdade às gravações seguintes) e ``liberar`` apaga o
enchimento.

Montar precisa de ``CAP_SYS_ADMIN`` (root numa máquina ou num contêiner privilegiado). Sem
essa permissão, a falha real mais próxima: ``RLIMIT_FSIZE`` neste processo (com ``SIGXFSZ``
ignorado, o kernel recusa com ``EFBIG`` a escrita que passar de ``livre`` bytes num
arquivo). ``tipo`` diz qual dos dois valeu ("tmpfs" ou "rlimit"); com ``CI`` ou
``CAGEC_EXIGIR_SERVICOS`` o tmpfs é exigido (sem ele o teste falha, não degrada calado).
"""

import errno
import os
import resource
import shutil
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

MB = 1024 * 1024
_PEDACO = 64 * 1024


def _exigir_servicos() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("CAGEC_EXIGIR_SERVICOS"))


class DiscoPequeno:
    def __init__(self, pasta: Path, tamanho: int) -> None:
        self.pasta = pasta
        self.tamanho = tamanho
        self.enchimento = pasta / f"enchimento-{uuid.uuid4().hex}.bin"
        self.tipo = "tmpfs"
        self._limite_original = resource.getrlimit(resource.RLIMIT_FSIZE)
        self._sinal_original = None

    # --- montagem -------------------------------------------------------------------------
    def montar(self) -> bool:
        self.pasta.mkdir(parents=True, exist_ok=True)
        comando = ["mount", "-t", "tmpfs", "-o", f"size={self.tamanho},mode=0755", "tmpfs"]
        if shutil.which("mount") is None:
            return False
        feito = subprocess.run(
            [*comando, str(self.pasta)], capture_output=True, text=True, timeout=20
        )
        return feito.returncode == 0

    def desmontar(self) -> None:
        if self.tipo != "tmpfs":
            self.liberar()
            return
        subprocess.run(["mount", "-o", "remount,rw", str(self.pasta)], capture_output=True)
        self.liberar()
        if subprocess.run(["umount", str(self.pasta)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(self.pasta)], capture_output=True)

    def remontar(self, modo: str) -> None:
        """``"ro"`` (somente leitura: gravações recebem ``EROFS``) ou ``"rw"``."""
        assert self.tipo == "tmpfs", "remontar só com o tmpfs"
        feito = subprocess.run(
            ["mount", "-o", f"remount,{modo}", str(self.pasta)], capture_output=True, text=True
        )
        assert feito.returncode == 0, feito.stderr

    # --- espaço ---------------------------------------------------------------------------
    @property
    def livre(self) -> int:
        return shutil.disk_usage(self.pasta).free

    def encher(self, livre: int = 0) -> None:
        """Deixa só ``livre`` bytes para gravar (no tmpfs, arredondado à página)."""
        if self.tipo == "rlimit":
            self._sinal_original = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (livre, self._limite_original[1]))
            return
        with open(self.enchimento, "wb", buffering=0) as saida:
            for pedaco in (_PEDACO, 4096):
                while True:
                    try:
                        saida.write(b"\0" * pedaco)
                    except OSError as erro:
                        assert erro.errno == errno.ENOSPC, erro
                        break
        tamanho = self.enchimento.stat().st_size
        if livre:
            os.truncate(self.enchimento, max(0, tamanho - livre))
        assert self.livre <= livre + 8192, (self.livre, livre)

    def liberar(self) -> None:
        if self.tipo == "rlimit":
            resource.setrlimit(resource.RLIMIT_FSIZE, self._limite_original)
            if self._sinal_original is not None:
                signal.signal(signal.SIGXFSZ, self._sinal_original)
                self._sinal_original = None
            return
        self.enchimento.unlink(missing_ok=True)

    def arquivos(self) -> list[str]:
        """O que há no disco além do enchimento (nomes relativos, inclusive temporários)."""
        return sorted(
            str(p.relative_to(self.pasta))
            for p in self.pasta.rglob("*")
            if p.is_file() and p != self.enchimento
        )


def disco_pequeno(settings, tmp_path):
    """``MEDIA_ROOT`` num tmpfs de 4 MB (ou, sem permissão de montar, com ``RLIMIT_FSIZE``).

    Gerador para a fixture do teste (``yield from``)."""
    disco = DiscoPequeno(tmp_path / "midia", 4 * MB)
    # CAGEC_DISCO_PEQUENO=rlimit: usa o recurso de quem não pode montar (para conferi-lo).
    if os.environ.get("CAGEC_DISCO_PEQUENO") == "rlimit" or not disco.montar():
        if _exigir_servicos():
            pytest.fail("Não foi possível montar um tmpfs (precisa de CAP_SYS_ADMIN).")
        disco.tipo = "rlimit"
    settings.MEDIA_ROOT = disco.pasta
    try:
        yield disco
    finally:
        disco.desmontar()
