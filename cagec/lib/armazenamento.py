"""Armazenamento de arquivos que não deixa arquivo pela metade: disco cheio vira mensagem.

Toda gravação no armazenamento do portal (``STORAGES["default"]``: documentos enviados,
arquivos de importação, PDFs de declaração e de CRC) passa por ``ArmazenamentoAtomico``:

1. o conteúdo vai para um temporário (``.parcial-<aleatório>.tmp``) na mesma pasta do nome
   final, com ``fsync`` no fim (num disco cheio ou com erro de E/S, o erro aparece aqui e não
   depois, na hora de o sistema descarregar o cache);
2. o temporário ganha o nome final por ``os.link`` (atômico, nunca sobrescreve: outro arquivo
   com o mesmo nome faz escolher outro nome, como no ``FileSystemStorage``) e é desligado.

Em qualquer erro (``ENOSPC``, ``EDQUOT``, ``EIO``, ``EROFS``, permissão) o temporário é
apagado e sai ``ArmazenamentoIndisponivel`` (um ``OSError`` com o mesmo ``errno``): nenhum
arquivo truncado ou de 0 byte fica com o nome final. Quem grava dentro de uma transação a
vê desfeita (a linha não fica sem o arquivo); a view mostra ``MENSAGEM`` no formulário e,
onde não há formulário (PDF gerado), ``ArmazenamentoIndisponivelMiddleware`` responde 503
com a página ``armazenamento_indisponivel.html`` e ``Retry-After``.

Temporários deixados por um processo morto no meio da gravação (``kill -9``, queda da
máquina) e arquivos de 0 byte sem linha no banco são apagados pela varredura noturna
(``parceiros.armazenamento.varrer_temporarios_e_vazios``), que usa ``percorrer`` e
``referenciados`` daqui. ``verificar_midia`` é a verificação ``midia`` de ``/saude/prontidao/``.
"""

import errno
import logging
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import models
from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.shortcuts import render
from django.utils._os import safe_makedirs

from cagec.lib.saude import Resultado

log = logging.getLogger(__name__)

MENSAGEM = (
    "Não foi possível guardar o arquivo agora: o armazenamento do portal está cheio ou "
    "indisponível. Nada foi perdido do que você preencheu; tente de novo em alguns minutos."
)
PREFIXO_TEMPORARIO = ".parcial-"
PREFIXO_DA_SONDA = "saude/sonda-"  # verificar_midia; uma que sobrar, a varredura apaga
SUFIXO_TEMPORARIO = ".tmp"
# Erros do sistema de arquivos que querem dizer "o armazenamento não aceita gravar agora".
ERROS_DE_ARMAZENAMENTO = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}
)
# Sistemas de arquivos sem ``link`` (alguns FUSE, vfat): cai para ``rename``.
_SEM_LINK = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK})
MB = 1024 * 1024


class ArmazenamentoIndisponivel(OSError):
    """A gravação falhou (disco cheio, cota, E/S, permissão); nada ficou com o nome final."""

    mensagem = MENSAGEM


def e_falha_de_armazenamento(erro: BaseException) -> bool:
    """``ArmazenamentoIndisponivel`` ou um ``OSError`` de disco cheio/E/S/permissão (por
    exemplo o temporário do upload em ``/tmp``, que não passa pelo armazenamento)."""
    if isinstance(erro, ArmazenamentoIndisponivel):
        return True
    return isinstance(erro, OSError) and erro.errno in ERROS_DE_ARMAZENAMENTO


def eh_temporario(nome: str) -> bool:
    """Temporário de gravação (``.parcial-*.tmp``) ou sonda da prontidão."""
    base = os.path.basename(nome)
    if nome.startswith(PREFIXO_DA_SONDA):
        return True
    return base.startswith(PREFIXO_TEMPORARIO) and base.endswith(SUFIXO_TEMPORARIO)


def _indisponivel(erro: OSError, caminho: str) -> ArmazenamentoIndisponivel:
    log.error("Armazenamento: não foi possível gravar %s: %s", caminho, str(erro))
    codigo = erro.errno if erro.errno is not None else errno.EIO
    return ArmazenamentoIndisponivel(codigo, f"{os.strerror(codigo)}: {caminho}")


class ArmazenamentoAtomico(FileSystemStorage):
    """``FileSystemStorage`` com gravação atômica (temporário + ``link``); ver o módulo."""

    def _save(self, name: str, content: "File[Any]") -> str:
        caminho = self.path(name)
        pasta = os.path.dirname(caminho)
        try:
            self._criar_pasta(pasta)
            temporario = self._gravar_temporario(pasta, content)
        except OSError as erro:
            raise _indisponivel(erro, caminho) from erro
        try:
            caminho = self._publicar(temporario, name)
        except OSError as erro:
            raise _indisponivel(erro, caminho) from erro
        finally:
            _apagar_se_existe(temporario)
        garantir_grupo = getattr(self, "_ensure_location_group_id", None)
        if garantir_grupo is not None:
            garantir_grupo(caminho)
        return os.path.relpath(caminho, self.location).replace("\\", "/")

    def _criar_pasta(self, pasta: str) -> None:
        modo = self.directory_permissions_mode
        if modo is None:
            os.makedirs(pasta, exist_ok=True)
        else:  # como o Django: o modo vale também para as pastas intermediárias
            safe_makedirs(pasta, modo, exist_ok=True)

    def _gravar_temporario(self, pasta: str, content: "File[Any]") -> str:
        nome = f"{PREFIXO_TEMPORARIO}{secrets.token_hex(8)}{SUFIXO_TEMPORARIO}"
        temporario = os.path.join(pasta, nome)
        fd = os.open(temporario, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "wb") as saida:
                for pedaco in content.chunks():
                    saida.write(pedaco.encode() if isinstance(pedaco, str) else pedaco)
                saida.flush()
                os.fsync(saida.fileno())
            if self.file_permissions_mode is not None:
                os.chmod(temporario, self.file_permissions_mode)
        except BaseException:
            _apagar_se_existe(temporario)
            raise
        return temporario

    def _publicar(self, temporario: str, name: str) -> str:
        """Dá ao temporário o nome final sem sobrescrever nada (ou, com
        ``allow_overwrite``, trocando o anterior de uma vez); devolve o caminho final."""
        if getattr(self, "_allow_overwrite", False):
            caminho = self.path(name)
            os.replace(temporario, caminho)
            _sincronizar_pasta(os.path.dirname(caminho))
            return caminho
        while True:
            caminho = self.path(name)
            try:
                os.link(temporario, caminho)
            except FileExistsError:
                name = self.get_available_name(name)
                continue
            except OSError as erro:
                if erro.errno not in _SEM_LINK or os.path.lexists(caminho):
                    raise
                os.rename(temporario, caminho)
            _sincronizar_pasta(os.path.dirname(caminho))
            return caminho


def _apagar_se_existe(caminho: str) -> None:
    try:
        os.unlink(caminho)
    except FileNotFoundError:
        pass
    except OSError:
        log.warning("Armazenamento: temporário %s não apagado; a varredura apaga", caminho)


def apagar_sem_falhar(storage: Storage, nome: str | None) -> None:
    """Apaga ``nome`` se existir; um erro fica no log (a varredura tenta de novo)."""
    if not nome:
        return
    try:
        storage.delete(nome)
    except OSError:
        log.warning("Armazenamento: %s não apagado; a varredura tenta de novo", nome)


def _sincronizar_pasta(pasta: str) -> None:
    """O novo nome sobrevive a uma queda da máquina (melhor esforço)."""
    try:
        fd = os.open(pasta, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- Página 503 -------------------------------------------------------------------------------
def resposta_indisponivel(request: HttpRequest) -> HttpResponse:
    """Página amigável (503, ``Retry-After``) para o que não tem formulário: PDF gerado.

    Quem pede JSON (o ``static/js/envio.js``) recebe ``{"erro": MENSAGEM}``, que o script
    mostra no formulário sem perder o arquivo escolhido.
    """
    resposta: HttpResponse
    if "application/json" in request.headers.get("Accept", ""):
        resposta = JsonResponse({"erro": MENSAGEM, "anuncio": MENSAGEM}, status=503)
    else:
        resposta = render(request, "armazenamento_indisponivel.html", status=503)
    resposta["Retry-After"] = str(settings.ARMAZENAMENTO_RETRY_AFTER_SEGUNDOS)
    resposta["Cache-Control"] = "no-store"
    return resposta


class ArmazenamentoIndisponivelMiddleware:
    """Uma falha de armazenamento que a view não tratou vira 503 com a página amigável.

    Fica antes do ``CsrfViewMiddleware``: o upload acima de ``FILE_UPLOAD_MAX_MEMORY_SIZE``
    é gravado no temporário do Django (``FILE_UPLOAD_TEMP_DIR``) quando o formulário é lido,
    e o CSRF o lê antes da view; com esse disco cheio, a leitura falha aqui (503), não no
    CSRF (500 genérico). Só pedidos ``multipart/form-data`` a views que o CSRF confere: o
    corpo dos demais fica intacto.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if request.method != "POST" or request.content_type != "multipart/form-data":
            return None
        if getattr(view, "csrf_exempt", False):  # o CSRF não lê: a view pode trocar os handlers
            return None
        try:
            request.POST  # noqa: B018 — lê o formulário e os arquivos agora
        except UnreadablePostError:
            return None  # conexão caiu no meio do envio: o CSRF decide, como antes
        except OSError as erro:
            if not e_falha_de_armazenamento(erro):
                raise
            log.error("Upload não recebido em %s (temporário): %s", request.path, str(erro))
            _fechar_temporarios_do_upload(request)
            return resposta_indisponivel(request)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not e_falha_de_armazenamento(exception):
            return None
        log.error("Armazenamento indisponível em %s: %s", request.path, str(exception))
        return resposta_indisponivel(request)


def _fechar_temporarios_do_upload(request: HttpRequest) -> None:
    """Apaga já o temporário do upload que falhou (fechar o ``NamedTemporaryFile`` apaga)."""
    for handler in request.upload_handlers:
        arquivo = getattr(handler, "file", None)
        if arquivo is not None and hasattr(arquivo, "temporary_file_path"):
            try:
                arquivo.close()
            except OSError:
                log.warning("Temporário do upload não apagado: %s", arquivo.name)


# --- Varredura ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ArquivoGuardado:
    nome: str  # relativo ao armazenamento, com "/"
    tamanho: int
    modificado_em: datetime


def percorrer(storage: Storage, pasta: str = "") -> Iterator[ArquivoGuardado]:
    """Todos os arquivos sob ``pasta`` (``""``: o armazenamento inteiro), com tamanho e data.

    No disco local usa ``os.scandir`` (um ``stat`` por arquivo, sem abrir nada).
    """
    if isinstance(storage, FileSystemStorage):
        yield from _percorrer_local(storage.path(pasta) if pasta else str(storage.location), pasta)
        return
    try:
        subpastas, arquivos = storage.listdir(pasta)
    except FileNotFoundError:
        return
    for nome in arquivos:
        caminho = f"{pasta}/{nome}" if pasta else nome
        yield ArquivoGuardado(caminho, storage.size(caminho), storage.get_modified_time(caminho))
    for sub in subpastas:
        yield from percorrer(storage, f"{pasta}/{sub}" if pasta else sub)


def _percorrer_local(raiz: str, prefixo: str) -> Iterator[ArquivoGuardado]:
    try:
        entradas = list(os.scandir(raiz))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entrada in entradas:
        nome = f"{prefixo}/{entrada.name}" if prefixo else entrada.name
        try:
            if entrada.is_dir(follow_symlinks=False):
                yield from _percorrer_local(entrada.path, nome)
                continue
            if not entrada.is_file(follow_symlinks=False):
                continue
            info = entrada.stat(follow_symlinks=False)
        except FileNotFoundError:  # apagado entre a listagem e o stat
            continue
        yield ArquivoGuardado(nome, info.st_size, datetime.fromtimestamp(info.st_mtime, tz=UTC))


def campos_de_arquivo(storage: Storage) -> list[tuple[type[models.Model], str]]:
    """``(modelo, campo)`` de todo ``FileField`` que grava em ``storage``."""
    return [
        (modelo, campo.name)
        for modelo in apps.get_models()
        for campo in modelo._meta.get_fields()
        if isinstance(campo, models.FileField) and campo.storage is storage
    ]


def referenciados(nomes: list[str], storage: Storage) -> set[str]:
    """Quais de ``nomes`` alguma linha (de qualquer modelo) aponta neste armazenamento.

    Uma consulta por ``FileField`` para o lote inteiro (chame com lotes de centenas).
    """
    achados: set[str] = set()
    for modelo, campo in campos_de_arquivo(storage):
        filtro = {f"{campo}__in": nomes}
        achados.update(modelo._default_manager.filter(**filtro).values_list(campo, flat=True))
    return achados


# --- Prontidão -------------------------------------------------------------------------------
def verificar_midia(storage: Storage | None = None) -> Resultado:
    """Grava, lê e apaga um arquivo pequeno; no disco local mostra o espaço livre.

    ``falha`` se não grava ou não lê o que gravou; ``atencao`` abaixo de
    ``MIDIA_ESPACO_MINIMO_MB`` livres.
    """
    storage = storage or default_storage
    conteudo = f"cagec-saude {secrets.token_hex(8)}".encode()
    try:
        nome = storage.save(f"{PREFIXO_DA_SONDA}{secrets.token_hex(6)}.txt", ContentFile(conteudo))
        try:
            with storage.open(nome, "rb") as arquivo:
                lido = _ler(arquivo)
        finally:
            storage.delete(nome)
    except OSError as erro:
        log.error("Saúde: a mídia não aceita gravar: %s", str(erro))
        return Resultado("falha", {"erro": errno.errorcode.get(erro.errno or 0, "OSError")})
    if lido != conteudo:
        return Resultado("falha", {"erro": "conteudo_diferente"})
    return _espaco(storage)


def _ler(arquivo: IO[bytes]) -> bytes:
    return arquivo.read()


def _espaco(storage: Storage) -> Resultado:
    if not isinstance(storage, FileSystemStorage):
        return Resultado("ok")
    uso = shutil.disk_usage(storage.location)
    minimo = settings.MIDIA_ESPACO_MINIMO_MB
    detalhe = {"livre_mb": uso.free // MB, "total_mb": uso.total // MB, "minimo_mb": minimo}
    return Resultado("atencao" if uso.free < minimo * MB else "ok", detalhe)
