"""Área pública no benchmark: CRCs emitidos, verificação, consulta por nome, exportação.

Roda no processo do run.py (django.setup() já feito, banco do benchmark com os Parceiros
de bench/parceiros.py). Os caminhos para o wrk vão num arquivo, um por linha, que
bench/caminhos.lua percorre em rodízio.
"""

import os
import statistics
import sys
import time
import tracemalloc

AMOSTRA_CRC = int(os.environ.get("BENCH_CRCS", "200"))
NOMES = [
    "sao jose uberaba",
    "VIDA NOVA",
    "santa luzia 12",
    "irmã dulce",
    "instituto bom pastor",
    "fundacao esperanca",
    "padre liberio ouro preto",
    "agua viva",
    "caminho da luz 4",
    "dom bosco juiz de fora",
]


def _parceiros_da_amostra(n):
    from bench.parceiros import CNPJ_BASE
    from parceiros.models import Parceiro

    gerados = Parceiro.objects.filter(cnpj__startswith=str(CNPJ_BASE)[:3]).order_by("pk")
    ids = list(gerados.values_list("pk", flat=True)[: n * 50])[::50]  # espalhados pela tabela
    return list(Parceiro.objects.filter(pk__in=ids).select_related("tipo").order_by("pk"))


def medir_renderizacao(repeticoes=15):
    """Mediana do render (só o ``crc_pdf.renderizar``) do CRC do Parceiro com menos
    Obrigações reduzido a 1 página, do retrato dele como é e de um de 3 páginas (o mesmo
    retrato com os grupos repetidos até dar 3 páginas).

    Cada repetição usa um código de verificação novo, como cada emissão real: o QR (que o
    ``crc_pdf`` guarda por endereço) é calculado de novo a cada vez. O retrato vem pelo
    mesmo caminho da emissão (``crc.parceiro_do_retrato`` + ``situacao.calcular_resumido``).

    Devolve ``{paginas: mediana_ms}``.
    """
    import pypdf

    from cagec.lib.codigos import gerar_codigo
    from declaracoes import crc, crc_pdf
    from parceiros import situacao

    parceiro = min(_parceiros_da_amostra(60), key=lambda p: p.tipo.obrigacoes.count())
    parceiro = crc.parceiro_do_retrato(parceiro.pk)
    dia = situacao.hoje()
    calculada, itens = situacao.calcular_resumido(parceiro, dia)
    retrato = crc.retrato_do_parceiro(parceiro, calculada, itens, dia)
    resultado = {}
    variantes = (
        _retrato_de_uma_pagina(retrato, parceiro),
        retrato,
        _retrato_de_tres_paginas(retrato, parceiro),
    )
    for base in variantes:
        crc_pdf.renderizar(crc.contexto_pdf(base, gerar_codigo(), parceiro.created_at))  # aquece
        tempos, paginas = [], 0
        for _ in range(repeticoes):
            contexto = crc.contexto_pdf(base, gerar_codigo(), parceiro.created_at)
            inicio = time.perf_counter()
            conteudo = crc_pdf.renderizar(contexto)
            tempos.append((time.perf_counter() - inicio) * 1000)
            paginas = len(pypdf.PdfReader(_bytes_io(conteudo)).pages)
        resultado[paginas] = statistics.median(tempos)
    return resultado


def medir_emissao_completa(n=15):
    """Mediana (ms) da primeira emissão do dia, ``crc.crc_do_dia`` (o que o pedido público
    chama), de ``n`` Parceiros distintos sem CRC hoje, cada um uma vez: retrato, PDF, arquivo e
    linha. Devolve ``(mediana_ms, quantos)``; a CPU por emissão sai no aviso."""
    from bench import frio
    from declaracoes import crc
    from parceiros.models import Parceiro

    # Parceiros ainda sem CRC hoje (a medida fria do wrk já emitiu o de milhares deles).
    candidatos = list(Parceiro.objects.filter(pk__in=frio._sem_crc_hoje(n + 1)))
    if candidatos:
        crc.crc_do_dia(candidatos.pop())  # aquece o import do ReportLab e as conexões
    tempos, cpu = [], []
    for parceiro in candidatos:
        inicio, inicio_cpu = time.perf_counter(), time.process_time()
        crc.crc_do_dia(parceiro)
        tempos.append((time.perf_counter() - inicio) * 1000)
        cpu.append((time.process_time() - inicio_cpu) * 1000)
    if not tempos:
        return float("nan"), 0
    mediana_cpu = statistics.median(cpu)
    print(f"CRC 1ª emissão: CPU mediana {mediana_cpu:.1f} ms no processo", file=sys.stderr)
    return statistics.median(tempos), len(tempos)


def _paginas(retrato, parceiro):
    import pypdf

    from declaracoes import crc, crc_pdf

    contexto = crc.contexto_pdf(retrato, "0" * 16, parceiro.created_at)
    conteudo = crc_pdf.renderizar(contexto)
    return len(pypdf.PdfReader(_bytes_io(conteudo)).pages)


def _retrato_de_uma_pagina(retrato, parceiro):
    """O retrato com os primeiros itens que cabem numa página (um Tipo com poucas obrigações)."""
    itens = [(g["nome"], i) for g in retrato["grupos"] for i in g["itens"]]
    for n in range(len(itens), 0, -1):
        grupos = {}
        for nome, item in itens[:n]:
            grupos.setdefault(nome, []).append(item)
        menor = {**retrato, "grupos": [{"nome": k, "itens": v} for k, v in grupos.items()]}
        if _paginas(menor, parceiro) == 1:
            return menor
    return retrato


def _retrato_de_tres_paginas(retrato, parceiro):
    """O mesmo retrato com os grupos repetidos até o PDF ter 3 páginas."""
    for vezes in range(2, 12):
        grande = {**retrato, "grupos": retrato["grupos"] * vezes}
        if _paginas(grande, parceiro) >= 3:
            return grande
    return grande


def _bytes_io(conteudo):
    import io

    return io.BytesIO(conteudo)


def caminhos_consulta():
    from urllib.parse import quote_plus

    return [f"/consulta/?nome={quote_plus(n)}" for n in NOMES]


def caminhos_consulta_unicos(n, semente=15):
    """``n`` buscas distintas (parte do nome, com ou sem acento/número, e município), cada
    uma uma vez: o visitante que procura uma organização, não o mesmo termo repetido."""
    import random
    import unicodedata
    from urllib.parse import urlencode

    from bench.parceiros import _MUNICIPIOS, _NOMES, _PREFIXOS

    sorteio = random.Random(semente)
    vistos: set[tuple[str, str]] = set()
    caminhos = []
    while len(caminhos) < n:
        termo = sorteio.choice(_NOMES + _PREFIXOS)
        if sorteio.random() < 0.5:
            termo = unicodedata.normalize("NFKD", termo).encode("ascii", "ignore").decode()
        if sorteio.random() < 0.6:
            termo = f"{termo} {sorteio.randint(1, 999)}"
        termo = termo.lower() if sorteio.random() < 0.5 else termo.upper()
        municipio = sorteio.choice(_MUNICIPIOS) if sorteio.random() < 0.5 else ""
        if (termo, municipio) in vistos:
            continue
        vistos.add((termo, municipio))
        filtros = {"nome": termo, **({"municipio": municipio} if municipio else {})}
        caminhos.append(f"/consulta/?{urlencode(filtros)}")
    return caminhos


def medir_exportacao(formato, linhas=10000):
    """(segundos, pico de memória Python em MB, linhas, tamanho) da exportação de 10 000.

    O tempo é medido sem o tracemalloc (que deixa o Python várias vezes mais lento); a
    memória, numa segunda geração com ele.
    """
    from declaracoes import consulta, exportacao

    filtros = {"situacao": "irregular"}
    qs = consulta.buscar(filtros)
    total = qs.count()
    gerar = exportacao.xlsx if formato == "xlsx" else exportacao.pdf
    inicio = time.perf_counter()
    arquivo = gerar(filtros, qs, total, linhas)
    segundos = time.perf_counter() - inicio
    tamanho = len(arquivo.read())
    arquivo.close()
    tracemalloc.start()
    gerar(filtros, qs, total, linhas).close()
    _, pico = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return segundos, pico / 1024 / 1024, min(total, linhas), tamanho
