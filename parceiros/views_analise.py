"""Fila e decisão da análise (equipe do CAGEC, permissão ``analisar_solicitacao``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from cagec.lib import paginacao
from cagec.lib.auditoria import ip_do_request as ip

from . import analise, forms, permissions, selectors, services, situacao


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


@login_required
def decisao(request, pk):
    solicitacao = permissions.get_solicitacao_para_analise(request, pk)
    documentos = solicitacao.documentos_atuais.select_related("obrigacao__grupo").order_by("pk")
    form = forms.DecisaoForm(documentos, request.POST if request.method == "POST" else None)
    if request.method == "POST" and solicitacao.conflito:
        # Página antiga ou POST forjado: a recusa (auditada) é do serviço, como no decidir.
        try:
            analise.exigir_imparcialidade(solicitacao, ator=request.user, ip=ip(request))
        except services.ConflitoDeInteresse as erro:
            messages.error(request, str(erro))
            return redirect("parceiros:analise_fila")
    if request.method == "POST" and form.is_valid():
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
        except services.TransicaoInvalida as erro:
            messages.error(request, str(erro))
            return redirect("parceiros:analise_fila")
        else:
            messages.success(request, f"Decisão registrada: solicitação nº {solicitacao.pk}.")
            return redirect("parceiros:analise_fila")
    contexto = selectors.detalhe_da_solicitacao(solicitacao, request.user)
    contexto.update(
        form=form,
        linhas=[(d, *form.campos_do_documento(d)) for d in documentos],
        tipo_parceiro=selectors.tipo_da_solicitacao(solicitacao),
        em_analise=solicitacao.status == services.Status.EM_ANALISE and not solicitacao.conflito,
    )
    return render(request, "parceiros/analise_detail.html", contexto)
