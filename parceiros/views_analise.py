"""Fila e decisão da análise (equipe do CAGEC, permissão ``analisar_solicitacao``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from cagec.lib import paginacao
from cagec.lib.arquivos import resposta_de_download
from cagec.lib.auditoria import ip_do_request as ip

from . import analise, forms, permissions, selectors, services, situacao
from .models import Documento

Parecer = Documento.Parecer


@login_required
def fila(request):
    permissions.exigir_analista(request)
    filtro = forms.FiltroAnaliseForm(request.GET or None)
    filtros = filtro.cleaned_data if filtro.is_valid() else {}
    contagem = selectors.contagem_da_fila()
    paginador = Paginator(selectors.fila_de_analise(filtros, situacao.hoje(), request.user), 25)
    if not any(filtros.values()):
        # A contagem por tipo (em cache, esquecida a cada entrada ou saída da fila) já tem o
        # total da fila sem filtros: um COUNT(*) a menos na página mais aberta da equipe.
        paginador.count = sum(c["n"] for c in contagem)
    pagina = paginacao.pagina_pedida(request, paginador)
    return render(
        request,
        "parceiros/analise_list.html",
        {
            "filtro": filtro,
            "pagina": pagina,
            "solicitacoes": selectors.anotar_tipo_de_parceiro(list(pagina.object_list)),
            "filtros": filtro.opcoes(),
            "contagem": contagem,
            "parametros": paginacao.parametros_sem_pagina(request),
        },
    )


AVISO_MOTIVO_PADRAO = (
    "O texto do motivo padrão está na caixa Motivo: confira, edite se precisar e registre."
)


@login_required
def decisao(request, pk):
    """Pareceres e decisão num envio; sem JavaScript, "Aprovar todos" e o motivo padrão
    voltam à página (nada decidido) com os campos preenchidos para conferir."""
    solicitacao = permissions.get_solicitacao_para_analise(request, pk)
    documentos = list(
        solicitacao.documentos_atuais.select_related("obrigacao__grupo").order_by("pk")
    )
    if request.method != "POST":
        return _pagina(request, solicitacao, forms.DecisaoForm(documentos))
    if solicitacao.conflito:
        # Página antiga ou POST forjado: a recusa (auditada) é do serviço, como no decidir.
        return _recusar_conflito(request, solicitacao)
    form = forms.DecisaoForm(documentos, request.POST)
    if "aprovar_todos" in request.POST:
        dados = form.dados_com_todos_aprovados()
        aviso = f"Parecer “Aprovar” marcado em {len(documentos)} documento(s). Escolha a decisão."
        return _pagina(request, solicitacao, forms.DecisaoForm(documentos, initial=dados), aviso)
    valido = form.is_valid()
    if form.precisa_conferir_motivo():
        form = forms.DecisaoForm(documentos, form.dados_para_conferir())
        aviso = AVISO_MOTIVO_PADRAO if form.is_valid() else ""
        return _pagina(request, solicitacao, form, aviso)
    if valido:
        resposta = _decidir(request, solicitacao, form)
        if resposta:
            return resposta
    return _pagina(request, solicitacao, form)


def _recusar_conflito(request, solicitacao):
    try:
        analise.exigir_imparcialidade(solicitacao, ator=request.user, ip=ip(request))
    except services.ConflitoDeInteresse as erro:
        messages.error(request, str(erro))
    return redirect("parceiros:analise_fila")


def _decidir(request, solicitacao, form):
    """Chama o serviço; ``None`` quando a decisão é recusada (erros postos no formulário)."""
    try:
        analise.decidir(
            solicitacao,
            ator=request.user,
            decisao=form.cleaned_data["decisao"],
            motivo=form.motivo_final(),
            pareceres=form.pareceres(),
            ip=ip(request),
        )
    except analise.DecisaoInvalida as erro:
        for mensagem in erro.messages:
            form.add_error(None, mensagem)
        return None
    except services.TransicaoInvalida as erro:
        messages.error(request, str(erro))
        return redirect("parceiros:analise_fila")
    messages.success(request, f"Decisão registrada: solicitação nº {solicitacao.pk}.")
    return redirect("parceiros:analise_fila")


def _pagina(request, solicitacao, form, aviso=""):
    contexto = selectors.detalhe_da_solicitacao(solicitacao, request.user)
    cartoes = [_cartao(form, d) for d in form.documentos]
    contexto.update(
        form=form,
        cartoes=cartoes,
        aviso=aviso,
        primeiro=next((c["d"] for c in cartoes if c["visualizavel"] and c["d"].arquivo), None),
        motivos_padrao={str(m.pk): m.texto for m in form.fields["modelo"].queryset},
        tipo_parceiro=selectors.tipo_da_solicitacao(solicitacao),
        em_analise=solicitacao.status == services.Status.EM_ANALISE and not solicitacao.conflito,
    )
    return render(request, "parceiros/analise_detail.html", contexto)


def _cartao(form, documento):
    """Um documento na página: campos, parecer atual (rótulo, cor) e se começa aberto."""
    parecer, motivo = form.campos_do_documento(documento)
    atual = form.parecer_atual(documento)
    return {
        "d": documento,
        "parecer": parecer,
        "motivo": motivo,
        "rotulo": ROTULOS_DO_PARECER.get(atual, ROTULOS_DO_PARECER[""]),
        # Aprovado e sem erro começa recolhido: a página mostra o que falta decidir.
        "aberto": atual != Parecer.APROVAR or bool(parecer.errors or motivo.errors),
        "visualizavel": documento.content_type in TIPOS_VISUALIZAVEIS,
    }


ROTULOS_DO_PARECER = {
    "": ("Sem parecer", "text-bg-light border"),
    Parecer.APROVAR: ("Aprovar", "text-bg-success"),
    Parecer.REPROVAR: ("Reprovar", "text-bg-danger"),
}
# O visualizador da página de decisão mostra PDF (no quadro) e imagens (como <img>).
TIPOS_VISUALIZAVEIS = {"application/pdf", "image/png", "image/jpeg"}


@login_required
@require_GET
@xframe_options_sameorigin
def documento_visualizar(request, pk):
    """O arquivo de um documento para o visualizador da análise, ao lado da decisão.

    Só a equipe da análise; o documento passa pela mesma busca autorizada do download. A
    resposta pode ser mostrada num quadro do próprio portal (``frame-ancestors 'self'``).
    """
    permissions.exigir_analista(request)
    documento = permissions.get_documento_do_usuario(request, pk)
    if not documento.arquivo:
        raise Http404
    return resposta_de_download(documento.arquivo.open("rb"), documento.nome_original, embutir=True)
