"""Leituras de declarações reaproveitadas por views e pelo painel.

Aqui (e não em ``parceiros``) porque consultam ``Declaracao``: ``parceiros`` não importa
``declaracoes`` (regra 13 de ``arquitetura.md``).
"""

from typing import Any

from django.core.cache import cache
from django.db.models import Exists, OuterRef, QuerySet, Subquery

from accounts.models import Usuario
from parceiros import selectors as selectors_parceiros
from parceiros.models import Solicitacao, TransicaoSolicitacao
from parceiros.selectors import inicio_da_assinatura

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


def declaracao_vigente(solicitacao: Solicitacao) -> Declaracao | None:
    """A declaração assinada pelo RL para o conteúdo atual (depois da última ida para
    assinatura) e não revogada; nenhuma em rascunho, devolvida ou cancelada."""
    if solicitacao.status in (Status.RASCUNHO, Status.DEVOLVIDA, Status.CANCELADA):
        return None
    return (
        Declaracao.objects.filter(
            solicitacao=solicitacao,
            revogada_em=None,
            assinada_em__gte=inicio_da_assinatura(solicitacao),
            signatario_id=solicitacao.representante_legal_id,
        )
        .order_by("-assinada_em")
        .first()
    )


def eventos_da_solicitacao(solicitacao: Solicitacao) -> list[dict[str, Any]]:
    """Assinaturas e revogações para a linha do tempo (gancho de ``parceiros``)."""
    eventos: list[dict[str, Any]] = []
    for d in Declaracao.objects.filter(solicitacao=solicitacao):
        texto = f"{d.signatario_nome} assinou a declaração de autenticidade."
        eventos.append({"quando": d.assinada_em, "texto": texto, "motivo": ""})
        if d.revogada_em:
            texto = "A declaração foi revogada."
            eventos.append({"quando": d.revogada_em, "texto": texto, "motivo": d.motivo_revogacao})
    return eventos


def no_detalhe_da_solicitacao(solicitacao: Solicitacao, usuario: Usuario) -> dict[str, Any]:
    """As declarações na página da solicitação e na da análise (gancho de ``parceiros``)."""
    return {
        "declaracao": declaracao_vigente(solicitacao),
        "declaracoes": Declaracao.objects.filter(solicitacao=solicitacao).order_by("-assinada_em"),
        "secoes": ["declaracoes/_declaracoes_da_solicitacao.html"],
    }


def declaracoes_assinadas_por(usuario: Usuario) -> dict[str, Any]:
    """As declarações que a pessoa assinou, com as evidências dela (exportação LGPD)."""
    return {
        "declaracoes_assinadas": [
            {
                "codigo": d.codigo_formatado,
                "tipo": d.get_tipo_display(),
                "cnpj": d.cnpj,
                "assinada_em": d.assinada_em.isoformat() if d.assinada_em else None,
                "ip": d.ip,
                "navegador": d.user_agent,
                "sha256_texto": d.sha256_texto,
            }
            for d in Declaracao.objects.filter(signatario=usuario).order_by("assinada_em")
        ]
    }
