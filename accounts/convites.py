"""Convites (e-mail de validação de cadastro) para pessoas importadas que não ativaram a conta.

O trabalho mora no banco, não na fila: ``agendar_convites`` grava um ``PedidoConvite`` por
pessoa (no máximo um pendente por pessoa) e publica ``processar_convites`` depois do commit;
o beat chama a mesma tarefa a cada minuto. Cada execução atende os próximos pedidos
pendentes, no máximo ``CONVITES_POR_MINUTO`` numa janela de um minuto (contados no banco,
então vale com quantas execuções houver), gravando o convite na caixa de saída e marcando o
pedido atendido na mesma transação. Rodar de novo não repete convite; um broker que esquece
mensagens (Redis reiniciado, worker morto) só atrasa os convites até o próximo minuto.
Quem já recebeu convite não recebe outro, a menos que se peça ``reenviar`` (o novo link
invalida o anterior).
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone

from cagec.core.models import EmailSaida
from cagec.lib import fila, travas

from . import services, tasks
from .models import PedidoConvite, Usuario

log = logging.getLogger(__name__)
EVENTO = "convite"
TRAVA = "accounts.convites.processar"
Pendente = PedidoConvite.Resultado
# Situações da caixa de saída que contam como falha no progresso (as demais, fora
# "enviado", ainda estão a caminho).
SITUACOES_DE_FALHA = ("falhou", "verificar")


def convidaveis(
    usuarios: "QuerySet[Usuario] | None" = None, *, reenviar: bool = False
) -> "QuerySet[Usuario]":
    """Pessoas importadas, ainda pendentes; sem ``reenviar``, só quem nunca foi convidado."""
    qs = Usuario.objects.filter(
        origem=Usuario.Origem.IMPORTACAO, situacao=Usuario.Situacao.PENDENTE
    )
    if usuarios is not None:
        qs = qs.filter(pk__in=usuarios.values("pk"))
    if not reenviar:
        qs = qs.exclude(Exists(EmailSaida.objects.filter(usuario=OuterRef("pk"), evento=EVENTO)))
    return qs.order_by("pk")


def agendar_convites(
    usuarios: "QuerySet[Usuario] | None" = None,
    *,
    reenviar: bool = False,
    ator: Usuario | None = None,
) -> int:
    """Grava os pedidos de convite e acelera o primeiro lote; devolve quantas pessoas.

    O ritmo é o de ``settings.CONVITES_POR_MINUTO``, aplicado por ``processar`` a todos os
    pedidos juntos (o beat chama a cada minuto; a publicação aqui só adianta o primeiro lote).
    """
    ids = list(convidaveis(usuarios, reenviar=reenviar).values_list("pk", flat=True))
    with transaction.atomic():
        pedidos = registrar_pedidos(ids, reenviar=reenviar, ator=ator)
        fila.publicar_depois_do_commit(tasks.processar_convites)
    return pedidos


def registrar_pedidos(
    ids: list[int], *, reenviar: bool = False, ator: Usuario | None = None
) -> int:
    """Um pedido pendente por pessoa (quem já tem um pendente fica com ele); devolve quantas."""
    solicitado_por = ator if getattr(ator, "is_authenticated", False) else None
    for inicio in range(0, len(ids), 2000):
        parte = ids[inicio : inicio + 2000]
        if reenviar:
            PedidoConvite.objects.filter(usuario_id__in=parte, atendido_em__isnull=True).update(
                reenviar=True
            )
        PedidoConvite.objects.bulk_create(
            [
                PedidoConvite(usuario_id=pk, reenviar=reenviar, solicitado_por=solicitado_por)
                for pk in parte
            ],
            ignore_conflicts=True,
        )
    return len(ids)


def processar(agora: datetime | None = None) -> int:
    """Atende os próximos pedidos pendentes dentro do limite por minuto.

    Devolve quantos convites gravou (pedidos de quem já ativou ou já foi convidado são
    atendidos sem convite e não contam no limite).

    Uma execução por vez (trava entre processos); outra que chegue junto sai sem fazer nada.
    """
    agora = agora or timezone.now()
    with travas.exclusiva(TRAVA) as obtida:
        if not obtida:
            return 0
        with transaction.atomic():
            vez = _vagas(agora)
            if vez <= 0:
                return 0
            pedidos = list(
                PedidoConvite.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(atendido_em__isnull=True)
                .select_related("usuario", "solicitado_por")
                .order_by("pk")[:vez]
            )
            for pedido in pedidos:
                _atender(pedido, agora)
            PedidoConvite.objects.bulk_update(pedidos, ["atendido_em", "resultado"])
    enviados = sum(p.resultado == Pendente.ENVIADO for p in pedidos)
    if pedidos:
        log.info("Convites: %s pedido(s) atendido(s), %s convite(s)", len(pedidos), enviados)
    return enviados


def janela() -> timedelta:
    """A janela do limite: um pouco menos que o intervalo do beat (um minuto), para que o
    beat, com alguns milissegundos de folga para mais ou para menos, nunca perca a vez."""
    intervalo: timedelta = settings.FILA_INTERVALO
    return intervalo * 29 / 30


def _vagas(agora: datetime) -> int:
    """Quantos pedidos ainda cabem na janela do limite por minuto."""
    atendidos = PedidoConvite.objects.filter(
        atendido_em__gt=agora - janela(), resultado=Pendente.ENVIADO
    ).count()
    limite: int = settings.CONVITES_POR_MINUTO
    return limite - atendidos


def _atender(pedido: PedidoConvite, agora: datetime) -> None:
    """Grava o convite de um pedido (num ponto de salvamento: o erro de uma pessoa não
    desfaz o lote nem trava a fila de pedidos; o pedido fica *falhou*, visível no admin)."""
    usuario = pedido.usuario
    pedido.atendido_em = agora
    try:
        with transaction.atomic():
            convidavel = convidaveis(
                Usuario.objects.filter(pk=usuario.pk), reenviar=pedido.reenviar
            ).exists()
            enviado = convidavel and services.reenviar_primeiro_acesso(
                usuario, ator=pedido.solicitado_por, evento=EVENTO
            )
    except Exception:
        log.exception("Convite do pedido %s não gravado", pedido.pk)
        pedido.resultado = Pendente.FALHOU
        return
    pedido.resultado = Pendente.ENVIADO if enviado else Pendente.IGNORADO


def enviar_lote(ids: list[int], *, reenviar: bool = False, ator_id: int | None = None) -> int:
    """Tarefas antigas (um lote de ids): viram pedidos e são atendidas no ritmo de sempre."""
    ator = Usuario.objects.filter(pk=ator_id).first() if ator_id else None
    with transaction.atomic():
        registrar_pedidos(ids, reenviar=reenviar, ator=ator)
    return processar()


def resumo() -> dict[str, Any]:
    """Progresso para o admin e o comando.

    ``a_enviar``: pedidos ainda não atendidos; ``na_fila``, ``enviados``, ``falhas``: os
    convites na caixa de saída por situação (``falhas`` inclui os pedidos que não viraram
    convite por erro); ``sem_convite``: importados pendentes que nunca receberam convite.
    """
    por_status = dict(
        EmailSaida.objects.filter(evento=EVENTO)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    enviados = por_status.pop(EmailSaida.Status.ENVIADO, 0)
    falhas = sum(por_status.pop(status, 0) for status in SITUACOES_DE_FALHA)
    falhas += PedidoConvite.objects.filter(resultado=Pendente.FALHOU).count()
    return {
        "a_enviar": PedidoConvite.objects.filter(atendido_em__isnull=True).count(),
        "na_fila": sum(por_status.values()),  # pendente (e enviando, onde houver)
        "enviados": enviados,
        "falhas": falhas,
        "sem_convite": convidaveis().count(),
    }


def progresso_legivel() -> str:
    r = resumo()
    return (
        f"Convites: {r['a_enviar']} a enviar, {r['na_fila']} na fila, "
        f"{r['enviados']} enviado(s), {r['falhas']} com falha; "
        f"{r['sem_convite']} pessoa(s) ainda sem convite."
    )
