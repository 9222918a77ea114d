"""Assinatura da declaração pelo RL, pendências de assinatura e a consulta por CPF (logado)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.selectors import acoes_de_hoje
from cagec.lib.armazenamento import ArmazenamentoIndisponivel
from cagec.lib.arquivos import resposta_pdf
from cagec.lib.auditoria import ip_do_request as ip
from cagec.lib.codigos import formatar_codigo
from cagec.lib.erros import ErroDeDominio
from parceiros import permissions, selectors
from parceiros.models import Solicitacao

from . import services
from .forms import AssinaturaForm, ConsultaCPFForm
from .models import Declaracao
from .selectors import pendentes_de_assinatura


@login_required
def assinaturas(request):
    return render(
        request,
        "declaracoes/assinaturas.html",
        {
            "pendentes": [
                {"s": s, "etapa": selectors.etapa_da_solicitacao(s, request.user)}
                for s in pendentes_de_assinatura(request.user)
            ],
            "indicacoes": selectors.indicacoes_pendentes(request.user),
            "inclusoes": selectors.inclusoes_pendentes(request.user),
        },
    )


@login_required
def assinar(request, pk):
    solicitacao = permissions.get_solicitacao_do_usuario(request, pk)
    if solicitacao.representante_legal_id != request.user.pk:
        raise Http404
    pendente = any(s.pk == solicitacao.pk for s in pendentes_de_assinatura(request.user))
    if not pendente:
        return redirect("parceiros:solicitacao_detail", pk=solicitacao.pk)
    form = AssinaturaForm(request, request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            declaracao = services.assinar(
                solicitacao,
                ator=request.user,
                ip=ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except ArmazenamentoIndisponivel as erro:  # PDF não gravado: nada assinado
            form.add_error(None, f"{erro.mensagem} A declaração não foi assinada.")
        except ErroDeDominio as erro:
            messages.error(request, str(erro))
            return redirect("parceiros:solicitacao_detail", pk=solicitacao.pk)
        else:
            messages.success(request, _confirmacao(solicitacao, declaracao))
            return redirect("parceiros:solicitacao_detail", pk=solicitacao.pk)
    texto = services.texto_da_declaracao(solicitacao, ator=request.user)
    return render(
        request,
        "declaracoes/assinar.html",
        {
            "solicitacao": solicitacao,
            "form": form,
            "paragrafos": texto.split("\n\n"),
            "prazo_dias_uteis": settings.PRAZO_ANALISE_DIAS_UTEIS,
        },
    )


def _confirmacao(solicitacao: Solicitacao, declaracao: Declaracao) -> str:
    solicitacao.refresh_from_db()
    previsao = selectors.previsao_da_analise(solicitacao)
    return (
        "Declaração assinada e solicitação encaminhada para análise. A equipe do CAGEC "
        f"responde em até {settings.PRAZO_ANALISE_DIAS_UTEIS} dias úteis (previsão: "
        f"{previsao:%d/%m/%Y}). Código de verificação {formatar_codigo(declaracao.codigo)}."
    )


@login_required
def declaracao_pdf(request, pk):
    declaracao = get_object_or_404(Declaracao, pk=pk)
    permissions.get_solicitacao_do_usuario(request, declaracao.solicitacao_id)
    return resposta_pdf(
        declaracao.pdf.open("rb"),
        f"declaracao-{declaracao.codigo}.pdf",
        cache_control="private, no-store",
    )


@login_required
@require_http_methods(["GET", "POST"])
def consulta_cpf(request):
    """Organizações pelo CPF do RL: POST (o CPF fica fora da URL), cota diária, auditoria."""
    form = ConsultaCPFForm(request.POST or None)
    resultados = None
    if request.method == "POST" and form.is_valid():
        try:
            resultados = services.consultar_por_cpf(
                form.cleaned_data["cpf"], ator=request.user, ip=ip(request)
            )
        except ErroDeDominio as erro:
            form.add_error(None, erro)
    limite = settings.CONSULTA_CPF_LIMITE_DIARIO
    usadas = acoes_de_hoje(request.user, "consulta.cpf_representante")
    resposta = render(
        request,
        "declaracoes/consulta_cpf.html",
        {
            "form": form,
            "resultados": resultados,
            "limite": limite,
            "restam": max(limite - usadas, 0),
        },
    )
    resposta["Cache-Control"] = "private, no-store"
    return resposta
