"""Mudanças de estado da API: chaves (criar, revogar), webhooks (cadastrar, desativar) e o
reenvio de entregas. Cada uma numa transação, com auditoria; segredos mostrados uma vez."""

import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from cagec.lib import fila
from cagec.lib.auditoria import registrar

from . import chaves, enderecos, tasks
from .models import ChaveApi, EntregaWebhook, Evento, Webhook

if TYPE_CHECKING:  # auth._User: o modelo de settings.AUTH_USER_MODEL (plugin do django-stubs)
    from django.contrib.auth import models as auth

ROTULOS = {
    "api.chave_criada": "Chave de API criada",
    "api.chave_revogada": "Chave de API revogada",
    "api.chave_alterada": "Chave de API alterada (nome, contato ou limite)",
    "api.webhook_cadastrado": "Webhook cadastrado",
    "api.webhook_desativado": "Webhook desativado",
    "api.entregas_reenviadas": "Entregas de webhook reenviadas",
}


class ErroDaApi(ValueError):
    """Pedido recusado; a mensagem é para quem pediu, em português."""


def criar_chave(
    *,
    nome: str,
    contato_email: str = "",
    contato_telefone: str = "",
    limite_por_minuto: int = 120,
    ator: "auth._User | None" = None,
    ip: str | None = None,
) -> tuple[ChaveApi, str]:
    """A chave gravada (só o hash) e o texto inteiro, para mostrar uma única vez."""
    if not (contato_email or contato_telefone):
        raise ErroDaApi("Informe um e-mail ou um telefone de contato.")
    nova = chaves.gerar()
    with transaction.atomic():
        chave = ChaveApi.objects.create(
            nome=nome,
            contato_email=contato_email,
            contato_telefone=contato_telefone,
            limite_por_minuto=limite_por_minuto,
            prefixo=nova.prefixo,
            hash_segredo=nova.hash,
            criada_por=ator,
        )
        registrar("api.chave_criada", objeto=chave, ator=ator, ip=ip, descricao=str(chave))
    return chave, nova.texto


EDITAVEIS = ("nome", "contato_email", "contato_telefone", "limite_por_minuto")


def alterar_chave(
    chave: ChaveApi, *, ator: "auth._User | None", ip: str | None = None, **campos: object
) -> ChaveApi:
    """Nome, contato ou limite (o limite novo vale em até ``API_CHAVE_CACHE_SEGUNDOS``)."""
    desconhecidos = set(campos) - set(EDITAVEIS)
    if desconhecidos:
        raise ErroDaApi(f"Campos que não se alteram numa chave: {sorted(desconhecidos)}")
    with transaction.atomic():
        atual = ChaveApi.objects.select_for_update().get(pk=chave.pk)
        antes = {campo: str(getattr(atual, campo)) for campo in campos}
        for campo, valor in campos.items():
            setattr(atual, campo, valor)
        atual.full_clean()
        atual.save(update_fields=list(campos))
        depois = {campo: str(getattr(atual, campo)) for campo in campos}
        registrar("api.chave_alterada", objeto=atual, ator=ator, ip=ip, antes=antes, depois=depois)
    chaves.esquecer(atual.hash_segredo)
    return atual


def revogar_chave(chave: ChaveApi, *, ator: "auth._User | None", ip: str | None = None) -> bool:
    """Revoga (para sempre); False se já estava revogada. Vale neste processo na hora."""
    with transaction.atomic():
        atual = ChaveApi.objects.select_for_update().get(pk=chave.pk)
        if atual.revogada_em is not None:
            return False
        atual.revogada_em, atual.revogada_por = timezone.now(), ator
        atual.save(update_fields=["revogada_em", "revogada_por"])
        registrar("api.chave_revogada", objeto=atual, ator=ator, ip=ip, descricao=str(atual))
    chaves.esquecer(atual.hash_segredo)
    transaction.on_commit(lambda: chaves.esquecer(atual.hash_segredo))
    return True


def cadastrar_webhook(
    chave: ChaveApi,
    url: str,
    *,
    eventos: Iterable[str] | None = None,
    ator: "auth._User | None" = None,
    ip: str | None = None,
) -> tuple[Webhook, str]:
    """O webhook e o segredo da assinatura, para mostrar uma única vez."""
    escolhidos = sorted(set(eventos)) if eventos is not None else list(Evento.values)
    if not escolhidos or set(escolhidos) - set(Evento.values):
        raise ErroDaApi(f"Eventos válidos: {', '.join(Evento.values)}.")
    try:
        enderecos.validar(url)
    except enderecos.EnderecoProibido as erro:
        raise ErroDaApi(str(erro)) from erro
    segredo = secrets.token_hex(32)
    with transaction.atomic():
        if ChaveApi.objects.select_for_update().get(pk=chave.pk).revogada_em is not None:
            raise ErroDaApi(chaves.MENSAGEM_INVALIDA)
        webhook = Webhook.objects.create(chave=chave, url=url, segredo=segredo, eventos=escolhidos)
        registrar("api.webhook_cadastrado", objeto=webhook, ator=ator, ip=ip, descricao=url)
    return webhook, segredo


def desativar_webhook(
    webhook: Webhook, *, ator: "auth._User | None" = None, ip: str | None = None
) -> bool:
    """Para de notificar; as entregas ainda pendentes são canceladas no envio."""
    with transaction.atomic():
        desativados = Webhook.objects.filter(pk=webhook.pk, ativo=True).update(ativo=False)
        if desativados:
            registrar(
                "api.webhook_desativado", objeto=webhook, ator=ator, ip=ip, descricao=webhook.url
            )
    return bool(desativados)


def reenviar_entregas(ids: Iterable[int], *, ator: "auth._User | None" = None) -> int:
    """Entregues, que falharam ou canceladas voltam a *pendente* (tentativas do zero)."""
    finais = [
        EntregaWebhook.Status.ENTREGUE,
        EntregaWebhook.Status.FALHOU,
        EntregaWebhook.Status.CANCELADA,
    ]
    with transaction.atomic():
        alvo = EntregaWebhook.objects.filter(pk__in=list(ids), status__in=finais)
        total = alvo.update(
            status=EntregaWebhook.Status.PENDENTE,
            tentativas=0,
            proxima_tentativa_em=timezone.now(),
            reivindicacao=None,
        )
        if total:
            registrar("api.entregas_reenviadas", ator=ator, descricao=f"{total} entrega(s)")
            fila.publicar_depois_do_commit(tasks.entregar_webhooks)
    return total
