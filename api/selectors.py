"""Leituras da API: o Parceiro pelo CNPJ (com o CRC do dia), a lista para sincronização e o
documento de uma verificação.

A leitura pelo CNPJ é o caminho quente (``/parceiros/{cnpj}/regularidade``, pedido uma vez
por CNPJ): uma consulta compilada uma vez por processo (``cagec.lib.compiladas``) traz o que
decide o ETag — ``versao_publica`` e o código do CRC de hoje ainda válido — e o que a resposta
diz além do retrato do CRC (desde quando vale a situação). Com o ETag igual, a resposta é 304
sem mais nenhuma consulta.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from cagec.lib import compiladas
from declaracoes.consulta import buscar
from declaracoes.models import Certificado, Declaracao
from parceiros.models import Parceiro

_SENTINELA_CNPJ = "sentinela-cnpj-api"
_SENTINELA_DIA = date(1903, 3, 5)


@dataclass(frozen=True, slots=True)
class Chave:
    """O que se lê do Parceiro antes do retrato: o bastante para o ETag e o 304."""

    pk: int
    versao_publica: int
    situacao: str
    situacao_desde: datetime | None
    codigo_crc: str


@compiladas.por_vendor
def _consulta_pelo_cnpj() -> tuple[compiladas.Compilada]:
    crc_de_hoje = (
        Certificado.objects.filter(
            parceiro_id=OuterRef("pk"),
            dia=_SENTINELA_DIA,
            versao=OuterRef("versao_publica"),
            revogado_em__isnull=True,
        )
        .order_by("-emitido_em")
        .values("codigo")[:1]
    )
    consulta = (
        Parceiro.objects.filter(cnpj=_SENTINELA_CNPJ)
        .annotate(crc_de_hoje=Subquery(crc_de_hoje))
        .values_list(
            "pk",
            "versao_publica",
            "situacao",
            "situacao_calculada_em",
            "created_at",
            "crc_de_hoje",
        )
    )
    return (compiladas.compilar(consulta, _SENTINELA_CNPJ, _SENTINELA_DIA),)


def chave_pelo_cnpj(cnpj: str, dia: date) -> Chave | None:
    """O Parceiro do ``cnpj`` (já normalizado) com o código do CRC de ``dia`` não revogado e
    da mesma ``versao_publica`` (vazio se não há); ``None`` se o CNPJ não está no cadastro."""
    [compilada] = _consulta_pelo_cnpj()
    valores = compiladas.trocas({_SENTINELA_CNPJ: cnpj, _SENTINELA_DIA: dia})
    achadas = compiladas.linhas(compilada, valores)
    if not achadas:
        return None
    pk, versao, situacao, calculada_em, criado_em, codigo = achadas[0]
    desde = compiladas.momento(calculada_em) or compiladas.momento(criado_em)
    return Chave(pk, versao, situacao, desde, codigo or "")


# --- Lista para sincronização ------------------------------------------------------------------
COLUNAS_DA_LISTA = (
    *("pk", "cnpj", "numero_cadastro", "razao_social", "nome_fantasia", "municipio", "uf"),
    *("tipo_id", "tipo__nome", "tipo__genero__nome", "situacao", "cadin_bloqueado"),
    *("siafi_bloqueado", "publico_alterado_em"),
)


def parceiros_para_sincronizar(
    filtros: dict[str, Any], alterado_desde: datetime | None
) -> QuerySet[Parceiro, tuple[Any, ...]]:
    """Os filtros da consulta pública (``declaracoes.consulta.buscar``), em ordem de
    ``(publico_alterado_em, id)`` — o índice ``parceiro_publico_alterado`` — para o cursor."""
    qs = buscar(filtros)
    if alterado_desde is not None:
        qs = qs.filter(publico_alterado_em__gte=alterado_desde)
    return qs.order_by("publico_alterado_em", "pk").values_list(*COLUNAS_DA_LISTA)


def depois_do_cursor(
    qs: QuerySet[Parceiro, tuple[Any, ...]], momento: datetime, pk: int
) -> QuerySet[Parceiro, tuple[Any, ...]]:
    """As linhas estritamente depois de ``(momento, pk)`` na ordem da lista."""
    depois = Q(publico_alterado_em__gt=momento) | Q(publico_alterado_em=momento, pk__gt=pk)
    return qs.filter(depois)


# --- Verificação ----------------------------------------------------------------------------
def dados_do_certificado(pk: int) -> dict[str, Any]:
    return dict(
        Certificado.objects.filter(pk=pk)
        .values("emitido_em", "dia", "situacao", "snapshot", "sha256_pdf", "chave")
        .annotate(situacao_hoje=F("parceiro__situacao"))
        .get()
    )


def dados_da_declaracao(pk: int) -> dict[str, Any]:
    # Nunca o CPF do signatário (nem mascarado): a API não devolve CPF.
    return dict(
        Declaracao.objects.filter(pk=pk)
        .values(
            *("tipo", "cnpj", "razao_social", "signatario_nome", "assinada_em", "metodo"),
            *("sha256_texto", "sha256_pdf"),
        )
        .get()
    )
