"""Leituras de declarações reaproveitadas por views e pelo painel.

Aqui (e não em ``parceiros``) porque consultam ``Declaracao``: ``parceiros`` não importa
``declaracoes`` (regra 13 de ``arquitetura.md``).
"""

from django.core.cache import cache
from django.db.models import Exists, OuterRef, QuerySet, Subquery

from accounts.models import Usuario
from parceiros import selectors as selectors_parceiros
from parceiros.models import Solicitacao, TransicaoSolicitacao

from .models import Declaracao

Status = Solicitacao.Status


def pendentes_de_assinatura(usuario: Usuario) -> list[Solicitacao]:
    """Solicitações aguardando a assinatura desta pessoa (ainda sem declaração vigente)."""
    return list(
        _aguardando_assinatura(usuario)
        .select_related("parceiro", "solicitante")
        .order_by("updated_at")
    )


def resumo_do_painel(usuario: Usuario) -> dict[str, int]:
    """A parte de ``declaracoes`` do painel: quantas solicitações esperam a minha assinatura."""
    return {"assinaturas": contar_pendentes_de_assinatura(usuario)}


def contar_pendentes_de_assinatura(usuario: Usuario) -> int:
    """Quantas solicitações esperam a assinatura desta pessoa (painel e menu "Assinaturas")."""
    return _aguardando_assinatura(usuario).count()


def pendentes_de_assinatura_no_menu(usuario: Usuario) -> int:
    """A contagem do menu "Assinaturas (n)", em cache: o menu está em toda página.

    A chave leva ``parceiros.selectors.versao_das_assinaturas``, que muda a cada entrada ou
    saída de *Aguardando assinatura*, assinatura e revogação; o minuto de validade cobre o
    resto (a troca de RL pela importação, outro processo com cache local).
    """
    chave = f"declaracoes:assinaturas:{selectors_parceiros.versao_das_assinaturas()}:{usuario.pk}"
    quantas = cache.get(chave)
    if quantas is None:
        quantas = contar_pendentes_de_assinatura(usuario)
        cache.set(chave, quantas, 60)
    return int(quantas)


def _aguardando_assinatura(usuario: Usuario) -> QuerySet[Solicitacao]:
    desde = (
        TransicaoSolicitacao.objects.filter(
            solicitacao=OuterRef("pk"), para=Status.AGUARDANDO_ASSINATURA
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    assinada = Declaracao.objects.filter(
        solicitacao=OuterRef("pk"), revogada_em=None, assinada_em__gte=OuterRef("desde")
    )
    return (
        Solicitacao.objects.filter(representante_legal=usuario, status=Status.AGUARDANDO_ASSINATURA)
        .annotate(desde=Subquery(desde))
        .exclude(Exists(assinada))
    )
