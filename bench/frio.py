"""Caminho frio da área pública (issue #15): chaves distintas, cada uma pedida UMA vez.

Um QR é escaneado uma vez, um CNPJ é procurado uma vez: o ``wrk`` percorre uma lista de
caminhos sem repetir (``bench/unicos.lua``; se a lista acabar, a medida reprova e pede mais
chaves). O aquecimento usa outras chaves, e a contagem de consultas, outras ainda. A medida
morna de antes (rodízio por 200 chaves) sai numa segunda linha, informativa.

Dados (reaproveitados entre rodadas; os PDFs ficam em ``MEDIA_ROOT`` fora da pasta
temporária): ``BENCH_CRCS_HOJE`` Parceiros com o CRC de hoje emitido de verdade
(``crc.crc_do_dia``, em paralelo), que servem à verificação (um código cada) e à reemissão;
a primeira emissão usa Parceiros sem CRC hoje.

Os modelos do portal são importados dentro das funções de propósito (import tardio), como em
``bench/run.py``: só existem depois do ``django.setup()`` que o run.py faz.
"""

import os
import time
from concurrent.futures import ProcessPoolExecutor

CRCS_HOJE = int(os.environ.get("BENCH_CRCS_HOJE", "26000"))
PRIMEIRAS = int(os.environ.get("BENCH_PRIMEIRAS_EMISSOES", "6000"))
BUSCAS = int(os.environ.get("BENCH_BUSCAS", "12000"))
# API /api/v1/parceiros/{cnpj}/regularidade (issue #16): CNPJs distintos, cada um uma vez.
REGULARIDADES = int(os.environ.get("BENCH_REGULARIDADES", "12000"))
AQUECIMENTO = 0.12  # fração de cada lista reservada ao aquecimento (2 s)


def _emitir(ids):
    from django.db import connections

    from declaracoes import crc
    from parceiros.models import Parceiro

    connections.close_all()  # processo filho: conexão própria
    for parceiro in Parceiro.objects.filter(pk__in=ids).only("pk", "versao_publica"):
        crc.crc_do_dia(parceiro)
    return len(ids)


def garantir_crcs_de_hoje(aviso, n=CRCS_HOJE):
    """Emite (de verdade, 2 processos) o CRC de hoje de Parceiros gerados até haver ``n``."""
    from django.db import connections

    faltam = _sem_crc_hoje(n - len(_com_crc_hoje()))
    if not faltam:
        return
    aviso(f"emitindo {len(faltam)} CRCs de hoje (uma vez por dia; depois reaproveita)")
    inicio = time.monotonic()
    lotes = [faltam[i : i + 200] for i in range(0, len(faltam), 200)]
    connections.close_all()
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        total = sum(pool.map(_emitir, lotes))
    aviso(f"{total} CRCs em {time.monotonic() - inicio:.0f} s")


def _com_crc_hoje():
    from declaracoes.models import Certificado
    from parceiros import situacao

    return list(
        Certificado.objects.filter(dia=situacao.hoje(), revogado_em__isnull=True)
        .order_by("parceiro_id")
        .values_list("parceiro__cnpj", "codigo")
    )


def _sem_crc_hoje(n):
    from bench.parceiros import CNPJ_BASE
    from declaracoes.models import Certificado
    from parceiros import situacao
    from parceiros.models import Parceiro

    if n <= 0:
        return []
    emitidos = Certificado.objects.filter(dia=situacao.hoje()).values("parceiro_id")
    return list(
        Parceiro.objects.filter(cnpj__startswith=str(CNPJ_BASE)[:3])
        .exclude(pk__in=emitidos)
        .order_by("?")
        .values_list("pk", flat=True)[:n]
    )


def listas():
    """{nome: caminhos} de cada medida fria (cada caminho só numa lista)."""
    from bench import publico
    from parceiros.models import Parceiro

    hoje = _com_crc_hoje()
    metade = len(hoje) // 2
    sem = Parceiro.objects.filter(pk__in=_sem_crc_hoje(PRIMEIRAS)).values_list("cnpj", flat=True)
    return {
        "verificar": [f"/verificar/{codigo}/" for _, codigo in hoje],
        "consulta": publico.caminhos_consulta_unicos(BUSCAS),
        "reemissao": [f"/consulta/{cnpj}/crc/" for cnpj, _ in hoje[metade:]],
        "primeira": [f"/consulta/{cnpj}/crc/" for cnpj in sem],
        "regularidade": [
            f"/api/v1/parceiros/{cnpj}/regularidade" for cnpj in _cnpjs_sorteados(REGULARIDADES)
        ],
    }


def _cnpjs_sorteados(n):
    """``n`` CNPJs distintos dos Parceiros do bench, em ordem aleatória (com e sem CRC hoje)."""
    from bench.parceiros import CNPJ_BASE
    from parceiros.models import Parceiro

    return list(
        Parceiro.objects.filter(cnpj__startswith=str(CNPJ_BASE)[:3])
        .order_by("?")
        .values_list("cnpj", flat=True)[:n]
    )


def separar(caminhos, reservados=3):
    """(contagem de consultas, aquecimento, medida): partes que não se repetem."""
    corte = reservados + int(len(caminhos) * AQUECIMENTO)
    return caminhos[:reservados], caminhos[reservados:corte], caminhos[corte:]
