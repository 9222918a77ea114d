"""PDFs com WeasyPrint: HTML de um template + folha de impressão própria, sem rede.

A configuração de fontes é criada uma vez por processo e reusada; o ``url_fetcher`` só
entrega arquivos estáticos do próprio projeto (nada é baixado na hora de gerar).
"""

import hashlib
from functools import cache
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

PASTA_CSS = Path(settings.BASE_DIR) / "static" / "pdf"


@cache
def _fontes():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@cache
def _folha(nome):
    from weasyprint import CSS

    return CSS(filename=str(PASTA_CSS / nome), font_config=_fontes())


def _sem_rede(url, *args, **kwargs):
    raise ValueError(f"Recurso externo recusado no PDF: {url}")


def renderizar_pdf(template, contexto, *, folha="impressao.css") -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, contexto)
    documento = HTML(string=html, base_url=str(PASTA_CSS), url_fetcher=_sem_rede)
    return documento.write_pdf(stylesheets=[_folha(folha)], font_config=_fontes())


def sha256(dados: bytes) -> str:
    return hashlib.sha256(dados).hexdigest()
