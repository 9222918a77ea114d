"""Chaves de API: formato, hash e a autenticação do DRF (``Authorization: Api-Key <chave>``).

A chave é ``cagec_<prefixo>_<segredo>``: o prefixo (8 caracteres hexadecimais) fica visível
no admin para reconhecer a chave; o banco guarda só o SHA-256 da chave inteira. Cada pedido
com chave custa uma consulta pelo hash (índice único), guardada em memória por
``API_CHAVE_CACHE_SEGUNDOS`` (padrão 5 s): uma chave revogada deixa de valer no processo que
a revogou na hora e nos demais em no máximo esse tempo.
"""

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from .models import ChaveApi

ESQUEMA = "Api-Key"
PREFIXO_DA_CHAVE = "cagec_"
MENSAGEM_INVALIDA = "Chave de API inválida ou revogada."
_MAXIMO_EM_MEMORIA = 1000


@dataclass(frozen=True)
class ChaveNova:
    prefixo: str
    texto: str  # a chave inteira: mostrada uma vez e nunca gravada
    hash: str


def gerar() -> ChaveNova:
    prefixo = secrets.token_hex(4)
    texto = f"{PREFIXO_DA_CHAVE}{prefixo}_{secrets.token_urlsafe(32)}"
    return ChaveNova(prefixo, texto, hash_da_chave(texto))


def hash_da_chave(texto: str) -> str:
    return hashlib.sha256(texto.encode()).hexdigest()


# --- Chaves conferidas há pouco, por processo ------------------------------------------------
_lembradas: dict[str, tuple[float, ChaveApi]] = {}
_trava = threading.Lock()


def _validade() -> float:
    return float(getattr(settings, "API_CHAVE_CACHE_SEGUNDOS", 5))


def buscar(texto: str) -> ChaveApi | None:
    """A chave ativa com este texto, ou None. Uma consulta pelo hash (ou nenhuma, se lembrada)."""
    procurado = hash_da_chave(texto)
    agora = time.monotonic()
    with _trava:
        lembrada = _lembradas.get(procurado)
    if lembrada is not None and lembrada[0] > agora:
        return lembrada[1]
    chave = ChaveApi.objects.filter(hash_segredo=procurado, revogada_em__isnull=True).first()
    if chave is None or not hmac.compare_digest(chave.hash_segredo, procurado):
        esquecer(procurado)
        return None
    with _trava:
        if len(_lembradas) >= _MAXIMO_EM_MEMORIA:
            _lembradas.clear()
        _lembradas[procurado] = (agora + _validade(), chave)
    return chave


def esquecer(hash_segredo: str) -> None:
    """Tira a chave da memória deste processo (revogação: vale aqui na hora)."""
    with _trava:
        _lembradas.pop(hash_segredo, None)


def texto_do_cabecalho(request: Request) -> str | None:
    """O texto da chave em ``Authorization: Api-Key <chave>``; ``None`` sem o cabeçalho (pedido
    anônimo); ``""`` com outro esquema (``Bearer``, ``Basic``...): uma credencial que não vale,
    ou vazio: recusada com 401 em vez de ignorada (o cliente mal configurado descobre na hora)."""
    if "HTTP_AUTHORIZATION" not in request.META:
        return None
    cabecalho = request.META["HTTP_AUTHORIZATION"].strip()
    esquema, _, texto = cabecalho.partition(" ")
    return texto.strip() if esquema.lower() == ESQUEMA.lower() else ""


class AutenticacaoPorChave(BaseAuthentication):
    """Sem cabeçalho: anônimo (``None``). Chave inválida ou revogada, ou outro esquema no
    ``Authorization``: 401, mesma mensagem."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, ChaveApi] | None:
        texto = texto_do_cabecalho(request)
        if texto is None:
            return None
        chave = buscar(texto) if texto else None
        if chave is None:
            raise AuthenticationFailed(MENSAGEM_INVALIDA)
        return AnonymousUser(), chave

    def authenticate_header(self, request: Request) -> str:
        return ESQUEMA
