"""``/dados-abertos/``: a página (arquivos, dicionário de dados, licença) e os downloads.

Público, sem login, com limite por IP (a página no da consulta; os downloads, de dezenas de
MB, no seu). Os arquivos saem do armazenamento em fluxo (``FileResponse``), com o nome
``cagec-parceiros-AAAA-MM-DD.<formato>``, ``ETag`` (o SHA-256 publicado) e ``Cache-Control``.
"""

import logging
from datetime import date

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_etags
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from cagec.lib import moldura

from . import dados_abertos
from . import dados_abertos_colunas as colunas
from .models import ArquivoDadosAbertos

log = logging.getLogger(__name__)

TITULO = "Dados abertos"
# Um arquivo do dia pode ser trocado (nova geração no mesmo dia): uma hora, e o ETag muda.
CACHE_DO_ARQUIVO = "public, max-age=3600"


@require_GET
@ratelimit(key="ip", rate=settings.CONSULTA_LIMITE_POR_IP, block=True)
def pagina(request):
    dias = dados_abertos.publicados()
    contexto = {
        "ultimo": dias[0] if dias else None,
        "anteriores": dias[1:],
        "colunas": colunas.COLUNAS,
        "dias_guardados": dados_abertos.DIAS_GUARDADOS,
        "licenca": dados_abertos.LICENCA,
        "licenca_url": dados_abertos.LICENCA_URL,
    }
    if moldura.visitante_anonimo(request):
        conteudo = render_to_string("declaracoes/_dados_abertos.html", contexto, request=request)
        resposta = moldura.pagina(request, TITULO, conteudo)
    else:
        resposta = render(request, "declaracoes/dados_abertos.html", contexto)
    patch_cache_control(resposta, private=True, max_age=300)
    patch_vary_headers(resposta, ["Cookie"])
    return resposta


@require_GET
@ratelimit(key="ip", rate=settings.DADOS_ABERTOS_LIMITE_POR_IP, block=True)
def arquivo(request, dia, formato):
    try:
        quando = date.fromisoformat(dia)
    except ValueError as erro:
        raise Http404 from erro
    publicado = get_object_or_404(ArquivoDadosAbertos, dia=quando, formato=formato)
    return _entregar(request, publicado)


@require_GET
@ratelimit(key="ip", rate=settings.CONSULTA_LIMITE_POR_IP, block=True)
def ultimo(request, formato):
    """O arquivo mais recente do formato: endereço fixo para quem baixa todo dia."""
    publicado = ArquivoDadosAbertos.objects.filter(formato=formato).order_by("-dia").first()
    if publicado is None:
        raise Http404
    resposta = redirect(
        "declaracoes:dados_abertos_arquivo", dia=publicado.dia.isoformat(), formato=formato
    )
    resposta["Cache-Control"] = "public, max-age=300"
    return resposta


def _entregar(request, publicado: ArquivoDadosAbertos) -> HttpResponse | FileResponse:
    etag = f'"{publicado.sha256}"'
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        resposta: HttpResponse | FileResponse = HttpResponseNotModified()
    else:
        try:
            conteudo = publicado.arquivo.storage.open(publicado.arquivo.name or "", "rb")
        except FileNotFoundError as erro:
            log.error("Dados abertos: arquivo sem conteúdo no armazenamento: %s", publicado)
            raise Http404 from erro
        resposta = _resposta_do_arquivo(conteudo, publicado)
    resposta["ETag"] = etag
    resposta["Cache-Control"] = CACHE_DO_ARQUIVO
    return resposta


def _resposta_do_arquivo(conteudo, publicado: ArquivoDadosAbertos) -> FileResponse:
    resposta = FileResponse(
        conteudo,
        as_attachment=True,
        filename=publicado.nome_para_baixar,
        content_type=dados_abertos.TIPOS_DE_CONTEUDO[publicado.formato],
    )
    resposta["Last-Modified"] = http_date(publicado.gerado_em.timestamp())
    return resposta
