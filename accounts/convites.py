"""Convites (e-mail de validação de cadastro) para pessoas importadas que não ativaram a conta.

``agendar_convites`` divide as pessoas em lotes de ``CONVITES_POR_MINUTO`` e agenda um lote
por minuto na fila (task ``enviar_lote_de_convites``); cada lote grava os e-mails na caixa
de saída, que os entrega. Idempotente: quem já recebeu convite não recebe outro, a menos
que se peça ``reenviar`` (o novo link invalida o anterior). Sem fila (Redis fora), os lotes
são gravados na hora e a caixa de saída entrega quando o Redis voltar.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef

from cagec.core.models import EmailSaida

from . import services, tasks
from .models import Usuario

log = logging.getLogger(__name__)
EVENTO = "convite"


def convidaveis(usuarios=None, *, reenviar=False):
    """Pessoas importadas, ainda pendentes; sem ``reenviar``, só quem nunca foi convidado."""
    qs = Usuario.objects.filter(
        origem=Usuario.Origem.IMPORTACAO, situacao=Usuario.Situacao.PENDENTE
    )
    if usuarios is not None:
        qs = qs.filter(pk__in=usuarios.values("pk"))
    if not reenviar:
        qs = qs.exclude(Exists(EmailSaida.objects.filter(usuario=OuterRef("pk"), evento=EVENTO)))
    return qs.order_by("pk")


def agendar_convites(usuarios=None, *, reenviar=False, ator=None, por_minuto=None):
    """Agenda os lotes (um por minuto); devolve quantas pessoas serão convidadas."""
    por_minuto = por_minuto or settings.CONVITES_POR_MINUTO
    ids = list(convidaveis(usuarios, reenviar=reenviar).values_list("pk", flat=True))
    ator_id = getattr(ator, "pk", None)
    for numero, inicio in enumerate(range(0, len(ids), por_minuto)):
        lote = ids[inicio : inicio + por_minuto]
        _agendar_lote(lote, reenviar, ator_id, atraso=numero * 60)
    return len(ids)


def _agendar_lote(ids, reenviar, ator_id, atraso):
    def publicar():
        try:
            tasks.enviar_lote_de_convites.apply_async(
                args=[ids, reenviar, ator_id], countdown=atraso, retry=False
            )
        except Exception:  # noqa: BLE001 — sem fila: grava já; a caixa de saída entrega depois
            log.warning("Fila indisponível; convites de %s pessoas gravados já", len(ids))
            enviar_lote(ids, reenviar=reenviar, ator_id=ator_id)

    transaction.on_commit(publicar)


def enviar_lote(ids, *, reenviar=False, ator_id=None):
    """Grava o convite de cada pessoa do lote que ainda é convidável (rodar 2× não repete)."""
    ator = Usuario.objects.filter(pk=ator_id).first() if ator_id else None
    base = Usuario.objects.filter(pk__in=ids)
    enviados = 0
    for usuario in convidaveis(base, reenviar=reenviar):
        enviados += services.reenviar_primeiro_acesso(usuario, ator=ator, evento=EVENTO)
    return enviados


def resumo():
    """Contagens para o admin e o comando: convites enviados, na fila, com falha; a convidar."""
    por_status = dict(
        EmailSaida.objects.filter(evento=EVENTO)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    S = EmailSaida.Status
    return {
        "enviados": por_status.get(S.ENVIADO, 0),
        "pendentes": por_status.get(S.PENDENTE, 0),
        "falhas": por_status.get(S.FALHOU, 0),
        "sem_convite": convidaveis().count(),
    }
