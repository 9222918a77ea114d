"""Uso diário de cada chave: contado no Redis a cada chamada, somado ao banco pelo beat.

Cada chamada com chave faz ``HINCRBY api:uso:dia:<data> <id da chave> 1`` (no mesmo script
do limite: ``api.limites``). A dobra (``dobrar``, a cada minuto) renomeia o hash do dia para
um lote com nome único (``RENAME`` é atômico: as chamadas seguintes começam um hash novo),
soma o lote em ``UsoDiarioChaveApi`` e grava o nome do lote em ``DobraDeUso`` na mesma
transação, e só então apaga o lote. Se a tarefa morrer no meio, a próxima acha o lote: já
registrado, só o apaga; não registrado, soma. Nenhum contador é somado duas vezes.
"""

import logging
import uuid
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from redis.exceptions import ResponseError

from cagec.lib.cache import FALHAS_DE_CONEXAO, RedisCacheTolerante

from .models import ChaveApi, DobraDeUso, UsoDiarioChaveApi

log = logging.getLogger(__name__)

PRAZO_DO_CONTADOR = 7 * 86400  # um hash que nenhuma dobra pegou some depois de uma semana
GUARDAR_LOTES = timedelta(days=8)


def cache_dos_limites() -> BaseCache:
    return caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]


def chave_do_dia(cache: RedisCacheTolerante, dia: date | None = None) -> str:
    dia = dia or timezone.localdate()
    return cache.make_and_validate_key(f"api:uso:dia:{dia.isoformat()}")


def registrar_no_banco(chave_id: int) -> None:
    """Sem Redis (modo embutido): a chamada vai direto para o banco."""
    somar({chave_id: 1}, timezone.localdate())


def somar(contagens: dict[int, int], dia: date) -> None:
    existentes = set(ChaveApi.objects.filter(pk__in=contagens).values_list("pk", flat=True))
    with transaction.atomic():
        for chave_id in sorted(existentes):
            UsoDiarioChaveApi.objects.get_or_create(chave_id=chave_id, dia=dia)
            UsoDiarioChaveApi.objects.filter(chave_id=chave_id, dia=dia).update(
                chamadas=F("chamadas") + contagens[chave_id]
            )
        if dia == timezone.localdate():
            ChaveApi.objects.filter(pk__in=existentes).update(ultimo_uso_em=timezone.now())


def dobrar() -> int:
    """Soma ao banco os contadores do Redis; devolve quantas chamadas somou agora."""
    cache = cache_dos_limites()
    if not isinstance(cache, RedisCacheTolerante) or not cache.disjuntor.permite():
        return 0
    cliente = cache._cache.get_client(None, write=True)
    somadas = 0
    try:
        for lote in cliente.scan_iter(match=cache.make_and_validate_key("api:uso:lote:*")):
            somadas += _dobrar_lote(cliente, _texto(lote))
        for origem in cliente.scan_iter(match=cache.make_and_validate_key("api:uso:dia:*")):
            dia = _texto(origem).rsplit(":", 1)[1]
            lote = cache.make_and_validate_key(f"api:uso:lote:{dia}:{uuid.uuid4().hex}")
            try:
                cliente.rename(origem, lote)
            except ResponseError:  # o hash sumiu entre o SCAN e o RENAME (outra dobra)
                continue
            somadas += _dobrar_lote(cliente, lote)
    except FALHAS_DE_CONEXAO as erro:
        cache.disjuntor.falhou(erro)
        log.warning("API: dobra do uso sem Redis; fica para a próxima: %s", erro)
    DobraDeUso.objects.filter(created_at__lt=timezone.now() - GUARDAR_LOTES).delete()
    return somadas


def _dobrar_lote(cliente: Any, lote: str) -> int:
    dia = date.fromisoformat(lote.split("api:uso:lote:", 1)[1].split(":", 1)[0])
    contagens = {int(campo): int(valor) for campo, valor in cliente.hgetall(lote).items()}
    with transaction.atomic():
        _, novo = DobraDeUso.objects.get_or_create(lote=lote)
        if novo:
            somar(contagens, dia)
    cliente.delete(lote)
    return sum(contagens.values()) if novo else 0


def _texto(valor: bytes | str) -> str:
    return valor.decode() if isinstance(valor, bytes) else valor
