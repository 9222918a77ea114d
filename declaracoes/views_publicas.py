"""Área pública, sem login: consulta, exportação, CRC e verificação de autenticidade.

Cada endpoint tem limite por IP (django-ratelimit, página 429 amigável); a exportação, o
trabalho mais caro, tem também um limite somado de todos os IPs. Nenhuma página, PDF ou
planilha daqui mostra CPF, e nenhuma aceita o CPF do representante legal como filtro
(``?cpf=`` é ignorado com um aviso): essa busca é só logado, em ``views.consulta_cpf``.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from cagec.lib import moldura, paginacao
from cagec.lib.arquivos import resposta_pdf
from cagec.lib.codigos import formatar_codigo, normalizar_codigo
from cagec.lib.documentos import normalizar_cnpj
from cagec.lib.limites import conferir_alvo

from . import consulta, crc, exportacao, verificacao
from .forms import ConsultaForm, VerificacaoForm

log = logging.getLogger(__name__)

POR_PAGINA = 10


def _formulario(request):
    form = ConsultaForm(request.GET or None, tipos=consulta.tipos_de_parceiro())
    return form, form.is_valid()


def _sem_cpf_na_url(request):
    """``?cpf=`` (endereço antigo ou robô): volta para a consulta sem ele, com um aviso.

    O filtro exato por CPF, somado aos 6 dígitos que a máscara do governo mostra nas páginas
    de verificação, revelaria o CPF inteiro; a busca por CPF exige login (e tem cota).
    """
    if "cpf" not in request.GET:
        return None
    messages.warning(
        request,
        "A busca pelo CPF do representante legal não é feita na consulta pública: entre no "
        "portal e use a Consulta pelo CPF do representante legal (link no fim desta página). "
        "O CPF foi descartado; os demais filtros foram mantidos.",
    )
    parametros = request.GET.copy()
    parametros.pop("cpf")
    destino = reverse("declaracoes:consulta")
    restantes = parametros.urlencode()
    return redirect(f"{destino}?{restantes}" if restantes and len(restantes) < 4000 else destino)


@require_GET
@ratelimit(key="ip", rate=settings.CONSULTA_LIMITE_POR_IP, block=True)
def consulta_publica(request):
    if recusa := _sem_cpf_na_url(request):
        return recusa
    form, valido = _formulario(request)
    return _pagina_da_consulta(request, form, valido)


def _pagina_da_consulta(request, form, valido):
    """Sem cache de página (issue #15: cada busca é quase sempre nova); o visitante anônimo
    recebe o conteúdo na moldura pronta (``cagec.lib.moldura``)."""
    pagina = None
    if valido:
        ids = consulta.ids_da_busca(form.cleaned_data)
        pagina = paginacao.pagina_pedida(request, consulta.PaginadorLimitado(ids, POR_PAGINA))
        pagina.object_list = consulta.parceiros_da_pagina(list(pagina.object_list))
    contexto = {
        "form": form,
        "pagina": pagina,
        "parametros": paginacao.parametros_sem_pagina(request),
        "limite_exportacao": exportacao.milhar(consulta.limite_da_exportacao()),
        "teto_contagem": exportacao.milhar(settings.CONSULTA_CONTAGEM_MAXIMA),
    }
    if moldura.visitante_anonimo(request):
        conteudo = render_to_string("declaracoes/_consulta.html", contexto, request=request)
        return moldura.pagina(request, "Consulta pública", conteudo)
    return render(request, "declaracoes/consulta.html", contexto)


@require_GET
@ratelimit(key="ip", rate=settings.EXPORTACAO_LIMITE_POR_IP, block=True)
def exportar(request, formato):
    if recusa := _sem_cpf_na_url(request):
        return recusa
    form, valido = _formulario(request)
    if not valido:
        messages.error(request, "Corrija os filtros antes de exportar.")
        consulta_url = reverse("declaracoes:consulta")
        parametros = request.GET.urlencode()
        # Endereço longo demais para um redirect (o Django recusa): volta sem os filtros.
        return redirect(f"{consulta_url}?{parametros}" if len(parametros) < 4000 else consulta_url)
    conferir_alvo(request, "exportacao", "todos", settings.EXPORTACAO_LIMITE_GLOBAL)
    qs = consulta.buscar(form.cleaned_data)
    limite = consulta.limite_da_exportacao()
    gerar = exportacao.xlsx if formato == "xlsx" else exportacao.pdf
    arquivo = gerar(form.cleaned_data, qs, qs.count(), limite)
    nome = f"consulta-cagec.{formato}"
    if formato != "xlsx":
        return resposta_pdf(arquivo, nome, cache_control="no-store", baixar=True)
    resposta = FileResponse(
        arquivo,
        as_attachment=True,
        filename=nome,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    resposta["Cache-Control"] = "no-store"
    return resposta


def _abrir_guardado(nome):
    try:
        return default_storage.open(nome, "rb")
    except FileNotFoundError:
        log.warning("CRC guardado não encontrado no armazenamento: %s", nome)
        return None


def _cnpj_publico(cnpj):
    normalizado = normalizar_cnpj(cnpj)
    if len(normalizado) != 14:
        raise Http404
    return normalizado


@require_GET
@ratelimit(key="ip", rate=settings.CRC_LIMITE_POR_IP, block=True)
def crc_pdf(request, cnpj):
    cnpj = _cnpj_publico(cnpj)
    registro = crc.registro_do_dia(cnpj)  # uma consulta preparada
    if registro is None:
        raise Http404
    if registro.pdf is None:  # primeira emissão do dia
        certificado = crc.emitir_do_registro(registro)
        arquivo, codigo = _abrir_guardado(certificado.pdf.name), certificado.codigo
    else:  # reemissão: a consulta e o arquivo guardado
        arquivo, codigo = _abrir_guardado(registro.pdf), registro.codigo
    if arquivo is None:  # armazenamento restaurado sem o arquivo: o mesmo PDF, refeito
        arquivo = crc.pdf_refeito(codigo)
    # Outro dia ou outra situação é outro certificado: nada de cache compartilhado.
    return resposta_pdf(arquivo, f"crc-{cnpj}-{codigo}.pdf", cache_control="private, max-age=60")


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=settings.VERIFICACAO_LIMITE_POR_IP, method="POST", block=True)
def verificar(request):
    form = VerificacaoForm(request.POST or None, request.FILES or None, request=request)
    if request.method == "POST" and form.is_valid():
        arquivo = form.cleaned_data.get("arquivo")
        if arquivo:
            # Achando ou não, é um resultado da verificação (não um erro do formulário): o
            # arquivo foi recebido e conferido; "não confere" é a resposta.
            resultado = verificacao.por_arquivo(arquivo)
            return _resultado(
                request,
                resultado,
                arquivo_conferido=True,
                nome_do_arquivo=arquivo.name,
                form=VerificacaoForm(request=request),
                status=200,
            )
        else:
            return redirect("declaracoes:verificar_codigo", codigo=form.cleaned_data["codigo"])
    return render(request, "declaracoes/verificar_form.html", {"form": form})


@require_GET
@ratelimit(key="ip", rate=settings.VERIFICACAO_LIMITE_POR_IP, block=True)
def verificar_codigo(request, codigo):
    normalizado = normalizar_codigo(codigo)
    if normalizado and normalizado != codigo:
        return redirect("declaracoes:verificar_codigo", codigo=normalizado)
    resultado = verificacao.por_codigo(normalizado)
    # O código volta como se escreve no documento (com os hífens), ou como veio na URL.
    exibido = formatar_codigo(normalizado) if normalizado else codigo
    extra = {"codigo_digitado": exibido}
    if not resultado.encontrado:  # já pronto para corrigir o código e tentar de novo
        extra["form"] = VerificacaoForm(initial={"codigo": exibido[:40]}, request=request)
    return _resultado(request, resultado, **extra)


def _resultado(request, resultado, *, status=None, **extra):
    """A página do resultado; para o visitante anônimo, o conteúdo encaixado na moldura
    pronta (``cagec.lib.moldura``: o mesmo HTML, sem renderizar ``base.html`` de novo)."""
    status = status or (200 if resultado.encontrado else 404)
    titulo = verificacao.titulo(resultado, arquivo_conferido=extra.get("arquivo_conferido"))
    contexto = {"resultado": resultado, "titulo": titulo, **extra}
    if request.method != "GET":
        return render(request, "declaracoes/verificar_resultado.html", contexto, status=status)
    if moldura.visitante_anonimo(request):
        conteudo = render_to_string(
            "declaracoes/_verificar_resultado.html", contexto, request=request
        )
        resposta = moldura.pagina(request, titulo, conteudo, status=status)
    else:
        resposta = render(request, "declaracoes/verificar_resultado.html", contexto, status=status)
    return _cabecalhos_de_cache(resposta)


def _cabecalhos_de_cache(resposta):
    # Situação de hoje e revogação mudam: um minuto de cache, só no navegador.
    patch_cache_control(resposta, private=True, max_age=60)
    patch_vary_headers(resposta, ["Cookie"])
    return resposta


@require_GET
@ratelimit(key="ip", rate=settings.VERIFICACAO_LIMITE_POR_IP, block=True)
def original_pdf(request, codigo):
    resultado = verificacao.por_codigo(normalizar_codigo(codigo))
    if not resultado.encontrado:
        raise Http404
    nome = "crc" if resultado.e_crc else "declaracao"
    return resposta_pdf(
        default_storage.open(resultado.pdf, "rb"),
        f"{nome}-{resultado.codigo}.pdf",
        cache_control="private, max-age=3600",
    )
