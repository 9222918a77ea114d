"""Escrita na trilha de auditoria. Todo serviço que muda estado chama ``registrar``."""

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model
from django.http import HttpRequest

from cagec.core.models import RegistroAuditoria
from cagec.lib.documentos import mascarar_cpf
from cagec.lib.rede import ip_do_cliente

if TYPE_CHECKING:  # auth._User: o modelo de settings.AUTH_USER_MODEL (plugin do django-stubs)
    from django.contrib.auth import models as auth

_CPF_SOLTO = re.compile(r"(?<![0-9A-Za-z])(\d{3}\.?\d{3}\.?\d{3}-?\d{2})(?![0-9A-Za-z])")


def sem_cpf(texto: str) -> str:
    """Troca qualquer CPF completo de um texto livre pela forma mascarada."""
    return _CPF_SOLTO.sub(lambda m: mascarar_cpf(m.group(1)), texto or "")


def ip_do_request(request: HttpRequest | None) -> str | None:
    """O IP do cliente para a auditoria: atrás do balanceador, o do cliente, não o dele."""
    return ip_do_cliente(request) if request is not None else None


def registrar(
    acao: str,
    *,
    objeto: Model | None = None,
    ator: "auth._User | AnonymousUser | None" = None,
    usuario_afetado: "auth._User | None" = None,
    descricao: str = "",
    antes: dict[str, Any] | None = None,
    depois: dict[str, Any] | None = None,
    ip: str | None = None,
) -> RegistroAuditoria:
    registro = montar(
        acao,
        objeto=objeto,
        ator=ator,
        usuario_afetado=usuario_afetado,
        descricao=descricao,
        antes=antes,
        depois=depois,
        ip=ip,
    )
    registro.save(force_insert=True)
    return registro


def montar(
    acao: str,
    *,
    objeto: Model | None = None,
    ator: "auth._User | AnonymousUser | None" = None,
    usuario_afetado: "auth._User | None" = None,
    descricao: str = "",
    antes: dict[str, Any] | None = None,
    depois: dict[str, Any] | None = None,
    ip: str | None = None,
) -> RegistroAuditoria:
    """O registro de ``registrar`` sem gravar: cargas em massa gravam vários de uma vez."""
    if usuario_afetado is None and isinstance(objeto, get_user_model()):
        usuario_afetado = objeto
    if ator is not None and not getattr(ator, "is_authenticated", False):
        ator = None
    assert not isinstance(ator, AnonymousUser)  # is_authenticated é sempre False nele
    return RegistroAuditoria(
        acao=acao,
        ator=ator,
        usuario_afetado=usuario_afetado,
        objeto_tipo=objeto._meta.label_lower if objeto is not None else "",
        objeto_id=str(objeto.pk) if objeto is not None else "",
        descricao=sem_cpf(descricao)[:300],
        antes=antes,
        depois=depois,
        ip=ip,
    )


def registrar_em_massa(registros: Iterable[RegistroAuditoria]) -> list[RegistroAuditoria]:
    """Grava de uma vez registros feitos com ``montar`` (importação: uma consulta por lote)."""
    return RegistroAuditoria.objects.bulk_create(registros, batch_size=2000)
