"""Avisos por e-mail ao RL e aos RIs: documento a vencer (30, 15, 7 e 1 dia) e Irregular.

Cada aviso sai uma vez: o de vencimento grava ``AvisoVencimento`` (único por documento,
prazo e data de vencimento) na mesma transação em que o e-mail entra na caixa de saída; o
de Irregular nasce junto com a linha de ``HistoricoSituacao`` que registra a mudança.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.models import Usuario
from cagec.lib.emails import enfileirar_emails

from .models import AvisoVencimento, Documento, HistoricoSituacao, Parceiro, Vinculo

PRAZOS = (30, 15, 7, 1)


def _destinatarios(parceiro_ids: Iterable[int]) -> dict[int, list[Usuario]]:
    """{parceiro_id: [usuários ativos RL/RI]} numa consulta."""
    por_parceiro: defaultdict[int, list[Usuario]] = defaultdict(list)
    vinculos = Vinculo.objects.filter(parceiro_id__in=parceiro_ids, ativo=True).select_related(
        "usuario"
    )
    for vinculo in vinculos:
        por_parceiro[vinculo.parceiro_id].append(vinculo.usuario)
    return por_parceiro


def _link(parceiro: Parceiro) -> str:
    return settings.PORTAL_URL_BASE + reverse("parceiros:parceiro_detail", args=[parceiro.cnpj])


def avisar_irregular(historicos: Sequence[HistoricoSituacao]) -> int:
    """E-mail de "situação passou a Irregular" para cada mudança recém-registrada."""
    if not historicos:
        return 0
    ids = [h.parceiro_id for h in historicos]
    parceiros = Parceiro.objects.in_bulk(ids)
    pessoas = _destinatarios(ids)
    mensagens = []
    for historico in historicos:
        parceiro = parceiros[historico.parceiro_id]
        for pessoa in pessoas.get(parceiro.pk, []):
            contexto = {
                "nome": pessoa.nome,
                "parceiro": parceiro.razao_social,
                "cnpj": parceiro.cnpj_formatado,
                "link": _link(parceiro),
            }
            mensagens.append(("situacao_irregular", pessoa.email, contexto, pessoa))
    return len(enfileirar_emails(mensagens))


def _a_vencer(dia):
    """[(documento, prazo, vence_em)] dos documentos aprovados que vencem em 30/15/7/1 dias."""
    datas = {dia + timedelta(days=p): p for p in PRAZOS}
    documentos = (
        Documento.objects.com_vencimento_efetivo()
        .filter(status=Documento.Status.APROVADO, vencimento_efetivo__in=list(datas))
        .select_related("obrigacao", "parceiro")
    )
    return [(d, datas[d.vencimento_efetivo], d.vencimento_efetivo) for d in documentos]


def avisar_vencimentos(dia):
    """Envia, uma vez, os avisos de documentos que vencem daqui a 30, 15, 7 ou 1 dia."""
    with transaction.atomic():
        candidatos = _a_vencer(dia)
        ja_avisados = set(
            AvisoVencimento.objects.filter(
                documento_id__in=[d.pk for d, _, _ in candidatos]
            ).values_list("documento_id", "dias", "vence_em")
        )
        novos = [c for c in candidatos if (c[0].pk, c[1], c[2]) not in ja_avisados]
        AvisoVencimento.objects.bulk_create(
            [AvisoVencimento(documento=d, dias=p, vence_em=v) for d, p, v in novos],
            batch_size=5000,
        )
        por_parceiro = defaultdict(list)
        for documento, prazo, vence in novos:
            por_parceiro[documento.parceiro_id].append(
                {"obrigacao": documento.obrigacao.nome, "dias": prazo, "vence_em": vence}
            )
        pessoas = _destinatarios(list(por_parceiro))
        parceiros = Parceiro.objects.in_bulk(list(por_parceiro))
        mensagens = []
        for parceiro_id, itens in por_parceiro.items():
            parceiro = parceiros[parceiro_id]
            itens.sort(key=lambda i: (i["vence_em"], i["obrigacao"]))
            for pessoa in pessoas.get(parceiro_id, []):
                contexto = {
                    "nome": pessoa.nome,
                    "parceiro": parceiro.razao_social,
                    "cnpj": parceiro.cnpj_formatado,
                    "itens": itens,
                    "link": _link(parceiro),
                }
                mensagens.append(("documento_a_vencer", pessoa.email, contexto, pessoa))
        enfileirar_emails(mensagens)
    return len(novos)
