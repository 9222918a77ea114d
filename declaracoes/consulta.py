"""Consulta pública de Parceiros (produto.md §5.1): filtros, resultados e exportação.

Só Parceiros do CAGEC (eles existem a partir da aprovação da inscrição ou da importação).
O nome é buscado na coluna normalizada ``busca_nome`` (sem acentos, caixa alta) com
``LIKE '%termo%'``, que no PostgreSQL usa o índice GIN de trigramas; no SQLite, uma
varredura, que basta para o modo embutido.

A busca pelo CPF do representante legal não é pública (issue #11: com a máscara do governo
nas páginas de verificação, 6 dos 11 dígitos são conhecidos e o filtro exato revelaria o
resto em mil tentativas): só logado, por POST, com cota diária e auditoria
(``services.consultar_por_cpf``). O CPF nunca sai nos resultados.
"""

import time
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Concat

from cagec.lib.busca import normalizar_busca
from cagec.lib.documentos import formatar_cnpj
from parceiros.models import Parceiro, TipoParceiro, Vinculo
from parceiros.situacao import rotulo_impedimento

COLUNAS = [
    "CNPJ",
    "Razão social",
    "Nome fantasia",
    "Município",
    "UF",
    "Gênero",
    "Tipo",
    "Situação",
    "Possui impedimento",
]


_tipos: tuple[float, list[tuple[int, str]]] = (0.0, [])


def tipos_de_parceiro() -> list[tuple[int, str]]:
    """[(id, nome)] dos tipos, 1 min na memória do processo (um tipo novo no admin aparece
    em até um minuto): a consulta não paga uma ida ao Redis nem ao banco por isso."""
    global _tipos
    lidos_em, tipos = _tipos
    if time.monotonic() - lidos_em > 60:
        tipos = list(TipoParceiro.objects.order_by("nome").values_list("pk", "nome"))
        _tipos = (time.monotonic(), tipos)
    return tipos


def esquecer_tipos() -> None:
    global _tipos
    _tipos = (0.0, [])


def buscar(filtros: dict[str, Any]) -> QuerySet[Parceiro]:
    """Parceiros que atendem a todos os filtros, em ordem alfabética sem acentos."""
    qs = Parceiro.objects.select_related("tipo__genero")
    if filtros.get("cnpj"):
        qs = qs.filter(cnpj=filtros["cnpj"])
    if filtros.get("nome"):
        qs = _filtrar_nome(qs, normalizar_busca(filtros["nome"]))
    if filtros.get("municipio"):
        qs = qs.filter(busca_municipio=normalizar_busca(filtros["municipio"]))
    if filtros.get("tipo"):
        qs = qs.filter(tipo_id=filtros["tipo"])
    if filtros.get("situacao"):
        qs = qs.filter(situacao=filtros["situacao"])
    return qs.order_by("busca_nome", "pk")


def fragmento_seletivo(termo: str) -> str | None:
    """O número do termo que guia o índice de trigramas, quando há um e o termo tem mais.

    O GIN de trigramas lê a lista de postagens de cada trigrama do padrão: "CAMARA MUNICIPAL
    DE 177" lê as de "cam", "mun", " de"... (dezenas de milhares de linhas cada; ~15 ms),
    enquanto "177" sozinho lê uma lista curta (~0,1 ms) e a conferência do termo inteiro nas
    poucas linhas achadas custa ~1 ms (issue #15). Números são raros nos nomes; palavras, não
    dá para saber sem estatística, e uma palavra comum sozinha acharia milhares de linhas.
    """
    numeros = [p for p in termo.split() if len(p) >= 3 and any(c.isdigit() for c in p)]
    if not numeros or numeros == [termo]:
        return None
    return max(numeros, key=len)


def _filtrar_nome(qs: QuerySet[Parceiro], termo: str) -> QuerySet[Parceiro]:
    fragmento = fragmento_seletivo(termo)
    if fragmento is None:
        return qs.filter(busca_nome__contains=termo)
    # O termo inteiro é conferido numa expressão que o índice não cobre (``|| ''``): só o
    # fragmento vai ao GIN; o resultado é o mesmo de ``busca_nome__contains=termo``.
    conferido = Concat("busca_nome", Value(""), output_field=CharField())
    return (
        qs.filter(busca_nome__contains=fragmento)
        .alias(_nome_conferido=conferido)
        .filter(_nome_conferido__contains=termo)
    )


def ids_da_busca(filtros: dict[str, Any], teto: int | None = None) -> list[int]:
    """Os ids da busca, na ordem da consulta, até um além do teto, numa consulta: a contagem
    ("N encontradas" ou "mais de") e todas as páginas saem dessa lista. Pelo índice que cobre
    os filtros (``parceiro_busca_nome_cobre``), sem ler as linhas largas de Parceiro."""
    teto = teto or settings.CONSULTA_CONTAGEM_MAXIMA
    return list(buscar(filtros).values_list("pk", flat=True)[: teto + 1])


def parceiros_da_pagina(ids: list[int]) -> list[Parceiro]:
    """As linhas de uma página de ids, na mesma ordem (uma consulta)."""
    por_id = Parceiro.objects.select_related("tipo__genero").in_bulk(ids)
    return [por_id[i] for i in ids if i in por_id]


def buscar_por_cpf(cpf: str) -> QuerySet[Parceiro]:
    """Parceiros dos quais a pessoa com este CPF é o representante legal ativo."""
    return (
        Parceiro.objects.select_related("tipo__genero")
        .filter(vinculos__papel=Vinculo.Papel.RL, vinculos__ativo=True, vinculos__usuario__cpf=cpf)
        .order_by("busca_nome", "pk")
    )


class PaginadorLimitado(Paginator):
    """Paginador sobre a lista de ``ids_da_busca`` (no máximo ``teto + 1`` ids).

    Um termo comum ("associação") casaria com dezenas de milhares de linhas; contar todas a
    cada página custaria mais que a própria página. Acima do teto, a página diz "mais de" e
    mostra os primeiros em ordem alfabética (a exportação conta de verdade).
    """

    def __init__(self, ids, per_page, teto=None):
        self.teto = teto or settings.CONSULTA_CONTAGEM_MAXIMA
        self.passou_do_teto = len(ids) > self.teto
        super().__init__(ids[: self.teto], per_page)


def limite_da_exportacao() -> int:
    return settings.CONSULTA_EXPORTACAO_MAXIMO


def linhas(qs, limite):
    """Tuplas de texto na ordem de ``COLUNAS``, no máximo ``limite``, lidas em lotes."""
    campos = (
        "cnpj",
        "razao_social",
        "nome_fantasia",
        "municipio",
        "uf",
        "tipo__genero__nome",
        "tipo__nome",
        "situacao",
        "cadin_bloqueado",
        "siafi_bloqueado",
    )

    rotulos = dict(Parceiro.Situacao.choices)
    for linha in qs.values_list(*campos)[:limite].iterator(chunk_size=2000):
        cnpj, razao, fantasia, municipio, uf, genero, tipo, situacao, cadin, siafi = linha
        yield (
            formatar_cnpj(cnpj),
            razao,
            fantasia,
            municipio,
            uf,
            genero,
            tipo,
            rotulos.get(situacao, situacao),
            rotulo_impedimento(cadin or siafi),
        )


def descrever_filtros(filtros: dict) -> str:
    """Os filtros em palavras, para o cabeçalho das exportações."""
    partes = []
    if filtros.get("cnpj"):
        partes.append(f"CNPJ {formatar_cnpj(filtros['cnpj'])}")
    if filtros.get("nome"):
        partes.append(f"nome contém “{filtros['nome']}”")
    if filtros.get("municipio"):
        partes.append(f"município {filtros['municipio']}")
    if filtros.get("tipo"):
        nomes = dict(tipos_de_parceiro())
        partes.append(f"tipo {nomes.get(filtros['tipo'], filtros['tipo'])}")
    if filtros.get("situacao"):
        partes.append(f"situação {Parceiro.Situacao(filtros['situacao']).label}")
    return "; ".join(partes)
