"""PDFs: WeasyPrint (HTML de um template + folha de impressão própria, sem rede) e as fontes
do ReportLab, que desenha os PDFs que precisam ser rápidos (CRC, exportação). O CRC usa as
fontes padrão do PDF (não embutidas) e só registra as DejaVu quando algum texto não cabe no
WinAnsi (``declaracoes.crc_pdf.fontes_do_contexto``).

A configuração de fontes do WeasyPrint é criada uma vez por processo e reusada; o
``url_fetcher`` só entrega arquivos estáticos do próprio projeto (nada é baixado na hora de
gerar). As DejaVu do ReportLab também são registradas uma vez por processo.
"""

import hashlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

from django.conf import settings
from django.template.loader import render_to_string

if TYPE_CHECKING:  # só nas anotações; em execução, o import tardio de cada função
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

PASTA_CSS = Path(settings.BASE_DIR) / "static" / "pdf"
PASTA_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")  # pacote Debian fonts-dejavu-core
DEJAVU = "DejaVuSans"
DEJAVU_NEGRITO = "DejaVuSans-Bold"
DEJAVU_MONO = "DejaVuSansMono"
DEJAVU_MONO_NEGRITO = "DejaVuSansMono-Bold"


@cache
def _fontes() -> "FontConfiguration":
    # import tardio: WeasyPrint/ReportLab (centenas de ms) só carregam ao gerar um PDF
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@cache
def _folha(nome: str) -> "CSS":
    # import tardio: WeasyPrint/ReportLab (centenas de ms) só carregam ao gerar um PDF
    from weasyprint import CSS

    return CSS(filename=str(PASTA_CSS / nome), font_config=_fontes())


def _sem_rede(url: str, *args: object, **kwargs: object) -> NoReturn:
    raise ValueError(f"Recurso externo recusado no PDF: {url}")


def renderizar_pdf(
    template: str, contexto: dict[str, Any], *, folha: str = "impressao.css"
) -> bytes:
    # import tardio: WeasyPrint/ReportLab (centenas de ms) só carregam ao gerar um PDF
    from weasyprint import HTML

    html = render_to_string(template, contexto)
    documento = HTML(string=html, base_url=str(PASTA_CSS), url_fetcher=_sem_rede)
    # Sem ``target``, o write_pdf do WeasyPrint (sem tipos) devolve os bytes do PDF.
    return cast(bytes, documento.write_pdf(stylesheets=[_folha(folha)], font_config=_fontes()))


@cache
def fontes_reportlab() -> None:
    """Registra no ReportLab as DejaVu (normal, negrito, mono e mono negrito), uma vez por
    processo (ler um TTF leva dezenas de milissegundos). São as fontes dos PDFs do WeasyPrint
    e cobrem muito além do WinAnsi das fontes padrão do PDF; embuti-las (subconjunto) custa
    ~3,5 ms a mais no ``save`` de um CRC, por isso ele só as usa quando precisa. ``<b>`` num
    ``Paragraph`` escolhe o negrito da família."""
    # import tardio: WeasyPrint/ReportLab (centenas de ms) só carregam ao gerar um PDF
    from reportlab.pdfbase.pdfmetrics import registerFont, registerFontFamily
    from reportlab.pdfbase.ttfonts import TTFont

    for nome in (DEJAVU, DEJAVU_NEGRITO, DEJAVU_MONO, DEJAVU_MONO_NEGRITO):
        registerFont(TTFont(nome, str(PASTA_DEJAVU / f"{nome}.ttf"), asciiReadable=0))
    for normal, negrito in ((DEJAVU, DEJAVU_NEGRITO), (DEJAVU_MONO, DEJAVU_MONO_NEGRITO)):
        registerFontFamily(normal, normal=normal, bold=negrito, italic=normal, boldItalic=negrito)


def sha256(dados: bytes) -> str:
    return hashlib.sha256(dados).hexdigest()
