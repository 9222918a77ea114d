"""Exportação da consulta pública para XLSX e PDF, com teto de linhas dito no arquivo.

XLSX: openpyxl em modo *write-only* (linhas vão direto para o arquivo temporário).
PDF: ReportLab desenhando no canvas, uma linha por registro, porque o WeasyPrint leva
dezenas de segundos para paginar uma tabela de 10 000 linhas; a listagem não precisa de
HTML. Os arquivos são montados num arquivo temporário (não na memória) e entregues dele.
"""

import tempfile
from datetime import datetime

from django.utils import timezone

from . import consulta

TITULO = "Consulta pública do CAGEC — Parceiros/Convenentes"


def milhar(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def cabecalho(filtros, total, limite, agora: datetime) -> list[str]:
    linhas = [
        TITULO,
        f"Gerado em {agora:%d/%m/%Y às %H:%M} (horário de Brasília).",
        f"Filtros: {consulta.descrever_filtros(filtros) or 'nenhum'}.",
    ]
    if total > limite:
        linhas.append(
            f"Atenção: a consulta tem {milhar(total)} resultados; este arquivo traz só os "
            f"primeiros {milhar(limite)} (limite da exportação). Refine os filtros para ver o "
            "resto."
        )
    else:
        linhas.append(
            f"{milhar(total)} resultado(s). Limite da exportação: {milhar(limite)} linhas."
        )
    return linhas


def xlsx(filtros, qs, total, limite):
    """Arquivo temporário aberto, posicionado no início, com a planilha."""
    # import tardio: openpyxl/ReportLab (~100 ms) só carregam quando alguém exporta
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    livro = Workbook(write_only=True)
    folha = livro.create_sheet("Parceiros")
    folha.freeze_panes = "A6"
    for largura, coluna in zip((20, 48, 36, 24, 5, 30, 36, 11, 11), "ABCDEFGHI", strict=True):
        folha.column_dimensions[coluna].width = largura
    negrito = Font(bold=True)
    for texto in cabecalho(filtros, total, limite, timezone.localtime()):
        folha.append([texto])
    titulos = []
    for nome in consulta.COLUNAS:
        celula = WriteOnlyCell(folha, value=nome)
        celula.font = negrito
        titulos.append(celula)
    folha.append(titulos)
    for linha in consulta.linhas(qs, limite):
        folha.append([_celula_de_texto(folha, v, WriteOnlyCell) for v in linha])
    saida = tempfile.TemporaryFile()  # noqa: SIM115 — a resposta fecha o arquivo
    livro.save(saida)
    saida.seek(0)
    return saida


def _celula_de_texto(folha, valor, WriteOnlyCell):
    """Texto vindo de fora (Receita) sempre como texto: sem fórmula nem caractere ilegal.

    "=HYPERLINK(...)" numa razão social viraria fórmula ao abrir a planilha (injeção de
    fórmula); caracteres de controle fazem o openpyxl recusar o arquivo inteiro.
    """
    # import tardio: openpyxl/ReportLab (~100 ms) só carregam quando alguém exporta
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    texto = ILLEGAL_CHARACTERS_RE.sub("", valor) if isinstance(valor, str) else valor
    if isinstance(texto, str) and texto[:1] in _INICIO_DE_FORMULA:
        celula = WriteOnlyCell(folha, value=texto)
        celula.data_type = "s"
        return celula
    return texto


_INICIO_DE_FORMULA = ("=", "+", "-", "@")


# --- PDF ----------------------------------------------------------------------------------
_LARGURAS_MM = (30, 62, 35, 27, 7, 30, 38, 16, 28)  # 273 mm: A4 paisagem menos margens
_TITULOS_PDF = consulta.COLUNAS  # as palavras da página, do CRC e da verificação
_LINHA_MM = 4.6
_CORPO = 7.5  # pt


def pdf(filtros, qs, total, limite):
    """Arquivo temporário aberto, posicionado no início, com a listagem em A4 paisagem."""
    # import tardio: openpyxl/ReportLab (~100 ms) só carregam quando alguém exporta
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    saida = tempfile.TemporaryFile()  # noqa: SIM115 — a resposta fecha o arquivo
    largura, altura = landscape(A4)
    tela = Canvas(saida, pagesize=(largura, altura), pageCompression=1)
    tela.setTitle(TITULO)
    tela.setAuthor("Portal CAGEC — Governo do Estado de Minas Gerais")
    linhas = list(consulta.linhas(qs, limite))
    topo = cabecalho(filtros, total, limite, timezone.localtime())
    por_pagina = int((altura - 48 * mm) / (_LINHA_MM * mm))
    paginas = max(1, -(-len(linhas) // por_pagina))
    for numero in range(paginas):
        _pagina(
            tela, topo, linhas[numero * por_pagina : (numero + 1) * por_pagina], numero, paginas
        )
        tela.showPage()
    tela.save()
    saida.seek(0)
    return saida


def _pagina(tela, topo, linhas, numero, paginas):
    # import tardio: openpyxl/ReportLab (~100 ms) só carregam quando alguém exporta
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm

    largura, altura = landscape(A4)
    x0, y = 12 * mm, altura - 14 * mm
    tela.setFont("Helvetica-Bold", 11)
    tela.drawString(x0, y, topo[0])
    tela.setFont("Helvetica", 8)
    for texto in topo[1:]:
        y -= 4.2 * mm
        tela.drawString(x0, y, texto)
    y -= 7 * mm
    _linha(tela, x0, y, _TITULOS_PDF, "Helvetica-Bold")
    tela.setLineWidth(0.3)
    tela.line(x0, y - 1.4 * mm, largura - x0, y - 1.4 * mm)
    for registro in linhas:
        y -= _LINHA_MM * mm
        _linha(tela, x0, y, registro, "Helvetica")
    tela.setFont("Helvetica", 7)
    tela.drawString(x0, 8 * mm, "Portal CAGEC — Governo do Estado de Minas Gerais")
    tela.drawRightString(largura - x0, 8 * mm, f"Página {numero + 1} de {paginas}")


def _linha(tela, x, y, valores, fonte):
    # import tardio: openpyxl/ReportLab (~100 ms) só carregam quando alguém exporta
    from reportlab.lib.units import mm

    texto = tela.beginText()
    texto.setFont(fonte, _CORPO)
    for valor, largura_mm in zip(valores, _LARGURAS_MM, strict=True):
        texto.setTextOrigin(x, y)
        texto.textOut(_cortar(str(valor or ""), fonte, (largura_mm - 1.5) * mm))
        x += largura_mm * mm
    tela.drawText(texto)


def _cortar(texto, fonte, limite):
    """O texto que cabe em ``limite`` pontos, com reticências se precisou cortar."""
    # import tardio: openpyxl/ReportLab (~100 ms) só carregam quando alguém exporta
    from reportlab.pdfbase.pdfmetrics import stringWidth

    largura = stringWidth(texto, fonte, _CORPO)
    if largura <= limite:
        return texto
    n = int(len(texto) * limite / largura)  # estimativa proporcional, depois o ajuste fino
    while n > 0 and stringWidth(texto[:n] + "…", fonte, _CORPO) > limite:
        n -= 1
    return texto[:n] + "…"
