"""Solicitações (assistente), pasta digital, responsáveis e download de documentos."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cagec.lib.arquivos import resposta_de_download
from cagec.lib.auditoria import ip_do_request as ip
from cagec.lib.erros import ErroDeDominio

from . import forms, permissions, selectors, services
from .models import Parceiro, Solicitacao, Vinculo

Tipo = Solicitacao.Tipo


def _dados(request):
    return request.POST if request.method == "POST" else None


def _falhou(request, erro, destino):
    for mensagem in erro.mensagens:
        messages.error(request, mensagem)
    return redirect(destino)


# --- Início -----------------------------------------------------------------------------------
@login_required
def solicitacao_nova(request):
    """Passo 1 da inscrição: CNPJ → dados da Receita (ou vinculação se já está no CAGEC)."""
    form = forms.CNPJForm(_dados(request))
    if request.method == "POST" and form.is_valid():
        cnpj = form.cleaned_data["cnpj"]
        if Parceiro.objects.filter(cnpj=cnpj).exists():
            return redirect("parceiros:vinculacao", cnpj=cnpj)
        try:
            solicitacao = services.iniciar_inscricao(cnpj, ator=request.user, ip=ip(request))
        except ErroDeDominio as erro:
            form.add_error("cnpj", erro)
        else:
            return redirect(
                "parceiros:solicitacao_passo", pk=solicitacao.pk, passo=solicitacao.passo
            )
    return render(request, "parceiros/solicitacao_nova.html", {"form": form})


@login_required
def vinculacao(request, cnpj):
    """CNPJ já no CAGEC: tornar-se RL (novo mandato/novo RL) ou pedir para ser RI."""
    parceiro = get_object_or_404(Parceiro, cnpj=permissions.cnpj_da_url(cnpj))
    if request.method == "POST":
        tipo = request.POST.get("tipo")
        if tipo not in (Tipo.VINCULACAO_RL, Tipo.INSCRICAO_RI):
            raise Http404
        return _iniciar_atualizacao(request, parceiro, tipo)
    return render(request, "parceiros/vinculacao.html", {"parceiro": parceiro})


@login_required
@require_POST
def solicitacao_atualizacao(request, cnpj, tipo):
    """Da pasta digital: atualização de dados, de documentos ou troca de RL."""
    if tipo not in (Tipo.DADOS, Tipo.DOCUMENTOS, Tipo.VINCULACAO_RL):
        raise Http404
    parceiro = permissions.get_parceiro_do_usuario(request, cnpj)
    return _iniciar_atualizacao(request, parceiro, tipo)


def _iniciar_atualizacao(request, parceiro, tipo):
    try:
        solicitacao = services.iniciar_atualizacao(
            parceiro, tipo, ator=request.user, ip=ip(request)
        )
    except ErroDeDominio as erro:
        return _falhou(request, erro, "accounts:painel")
    return redirect("parceiros:solicitacao_passo", pk=solicitacao.pk, passo=solicitacao.passo)


# --- Assistente -------------------------------------------------------------------------------
@login_required
def solicitacao_passo(request, pk, passo):
    solicitacao = permissions.get_solicitacao_editavel(request, pk)
    if passo not in selectors.PASSOS[solicitacao.tipo]:
        raise Http404
    if not solicitacao.editavel:
        return redirect("parceiros:solicitacao_detail", pk=solicitacao.pk)
    return PASSOS[passo](request, solicitacao)


def _contexto(solicitacao, passo, **extra):
    return {
        "solicitacao": solicitacao,
        "passo": passo,
        "passos": selectors.passos_do_assistente(solicitacao, passo),
        **extra,
    }


def _proximo(solicitacao):
    return redirect("parceiros:solicitacao_passo", pk=solicitacao.pk, passo=solicitacao.passo)


def passo_dados(request, solicitacao):
    inscricao = solicitacao.tipo == Tipo.INSCRICAO
    inicial = solicitacao.dados.get("contatos") or {}
    if inscricao:
        natureza = selectors.natureza_da_solicitacao(solicitacao)
        form = forms.DadosInscricaoForm(
            selectors.tipos_permitidos(natureza),
            _dados(request),
            initial={**inicial, "tipo": solicitacao.dados.get("tipo_id")},
        )
    else:
        form = forms.ContatosForm(_dados(request), initial=inicial)
    if request.method == "POST" and request.POST.get("acao") == "receita":
        try:
            services.atualizar_da_receita(solicitacao, ator=request.user)
            messages.success(request, "Dados da Receita Federal atualizados.")
        except ErroDeDominio as erro:
            return _falhou(request, erro, request.path)
        return redirect(request.path)
    if request.method == "POST" and form.is_valid():
        services.salvar_dados(solicitacao, ator=request.user, **form.cleaned_data)
        solicitacao.refresh_from_db()
        return _proximo(solicitacao)
    contexto = _contexto(
        solicitacao, "dados", form=form, diferencas=selectors.diferencas(solicitacao)
    )
    return render(request, "parceiros/passo_dados.html", contexto)


def passo_representante(request, solicitacao):
    rep = solicitacao.dados.get("representante") or {}
    # Quem pede vinculação sem vínculo ainda não indicou ninguém: o RL atual (quem assinaria)
    # não aparece para um estranho, nem o CPF dele.
    estranho = (
        not rep
        and solicitacao.parceiro_id
        and not permissions.ve_a_pasta(request.user, solicitacao.parceiro_id)
    )
    eu = estranho or solicitacao.representante_legal_id in (None, request.user.pk)
    # O CPF de quem foi indicado não volta ao campo: a página mostra a forma protegida.
    form = forms.RepresentanteForm(
        request.user,
        _dados(request),
        initial={**rep, "quem": "eu" if eu else "outro"},
        atual=None if eu else solicitacao.representante_legal,
        ip=ip(request),
    )
    if request.method == "POST" and form.is_valid():
        dados = form.cleaned_data
        services.salvar_representante(
            solicitacao,
            ator=request.user,
            representante=form.representante,
            cargo=dados["cargo"],
            mandato_inicio=dados["mandato_inicio"],
            mandato_fim=dados["mandato_fim"],
        )
        solicitacao.refresh_from_db()
        if solicitacao.aguarda_aceite_do_rl:
            indicado = selectors.representante_para(solicitacao, request.user)
            messages.info(
                request,
                f"Representante legal indicado: {indicado}. "
                "A pessoa confirma a indicação ao aceitar ou assinar; até lá você verá só o "
                "primeiro nome e as iniciais.",
            )
        return _proximo(solicitacao)
    indicado = None if eu else selectors.representante_para(solicitacao, request.user)
    return render(
        request,
        "parceiros/passo_representante.html",
        _contexto(solicitacao, "representante", form=form, indicado=indicado),
    )


def passo_documentos(request, solicitacao):
    obrigacoes = selectors.obrigacoes_da_solicitacao(solicitacao)
    form_com_erro = None
    if request.method == "POST":
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.DOCUMENTO_TAMANHO_MAXIMO + 2**20:
            limite = settings.DOCUMENTO_TAMANHO_MAXIMO // 2**20
            messages.error(request, f"O arquivo tem mais de {limite} MB. Reduza-o e envie de novo.")
            return redirect(request.path)
        obrigacao = forms.obrigacao_do_post(obrigacoes, request.POST.get("obrigacao"))
        if obrigacao is None:
            messages.error(request, "Escolha um item da lista de documentos.")
            return redirect(request.path)
        form = forms.DocumentoForm(obrigacao, request, request.POST, request.FILES)
        if form.is_valid():
            try:
                services.anexar_documento(
                    solicitacao,
                    ator=request.user,
                    obrigacao=obrigacao,
                    ip=ip(request),
                    **form.cleaned_data,
                )
            except ErroDeDominio as erro:
                form.add_error("arquivo", erro)
            else:
                messages.success(request, f"Documento anexado: {obrigacao.nome}.")
                return redirect(f"{request.path}#obrigacao-{obrigacao.pk}")
        form_com_erro = form
    itens = selectors.checklist(solicitacao, obrigacoes, request.user)
    for item in (i for grupo in itens for i in grupo["itens"]):
        erro_aqui = form_com_erro is not None and form_com_erro.obrigacao.pk == item["obrigacao"].pk
        item["form"] = (
            form_com_erro if erro_aqui else forms.DocumentoForm(item["obrigacao"], request)
        )
    return render(
        request,
        "parceiros/passo_documentos.html",
        _contexto(
            solicitacao,
            "documentos",
            itens=itens,
            form_com_erro=form_com_erro,
            anexados=sum(1 for g in itens for i in g["itens"] if i["anexo"]),
            total=sum(len(g["itens"]) for g in itens),
        ),
    )


def passo_revisao(request, solicitacao):
    form = None
    if solicitacao.tipo == Tipo.INSCRICAO_RI:
        inicial = solicitacao.dados.get("responsavel") or {}
        form = forms.CargoForm(_dados(request), initial=inicial)
    if request.method == "POST":
        if form is not None and not form.is_valid():
            return render(
                request, "parceiros/passo_revisao.html", _revisao(request, solicitacao, form)
            )
        if form is not None:
            services.salvar_cargo_ri(
                solicitacao, ator=request.user, cargo=form.cleaned_data["cargo"]
            )
        try:
            services.enviar_para_assinatura(solicitacao, ator=request.user, ip=ip(request))
        except ErroDeDominio as erro:
            return _falhou(request, erro, request.path)
        if solicitacao.representante_legal_id == request.user.pk:
            return redirect("declaracoes:assinar", pk=solicitacao.pk)
        messages.success(
            request,
            "Solicitação enviada para assinatura. O representante legal recebeu um e-mail; "
            "a assinatura dele encaminha a solicitação para análise.",
        )
        return redirect("parceiros:solicitacao_detail", pk=solicitacao.pk)
    return render(request, "parceiros/passo_revisao.html", _revisao(request, solicitacao, form))


def _revisao(request, solicitacao, form):
    # O que falta na pasta digital só para quem pode vê-la (e na inscrição, que não tem pasta).
    ve_a_pasta = not solicitacao.parceiro_id or permissions.ve_a_pasta(
        request.user, solicitacao.parceiro_id
    )
    return _contexto(
        solicitacao,
        "revisao",
        form=form,
        representante=selectors.representante_para(solicitacao, solicitacao.solicitante),
        pendencias=selectors.pendencias(solicitacao),
        sem_documento=selectors.obrigatorias_sem_documento(solicitacao) if ve_a_pasta else [],
        documentos=solicitacao.documentos_atuais.select_related("obrigacao__grupo"),
        diferencas=selectors.diferencas(solicitacao),
        prazo_dias_uteis=settings.PRAZO_ANALISE_DIAS_UTEIS,
    )


PASSOS = {
    "dados": passo_dados,
    "representante": passo_representante,
    "documentos": passo_documentos,
    "revisao": passo_revisao,
}


@login_required
@require_POST
def documento_remover(request, pk, documento_pk):
    solicitacao = permissions.get_solicitacao_editavel(request, pk)
    documento = get_object_or_404(solicitacao.documentos_atuais, pk=documento_pk)
    try:
        services.remover_documento(documento, ator=request.user, ip=ip(request))
    except ErroDeDominio as erro:
        return _falhou(request, erro, solicitacao_url(solicitacao))
    messages.success(request, "Documento retirado da solicitação.")
    return redirect("parceiros:solicitacao_passo", pk=solicitacao.pk, passo="documentos")


@login_required
def solicitacao_corrigir(request: HttpRequest, pk: int) -> HttpResponse:
    """“O que corrigir”: a lista, com links, do que a análise apontou (solicitação devolvida)."""
    solicitacao = permissions.get_solicitacao_editavel(request, pk)
    if solicitacao.status != Solicitacao.Status.DEVOLVIDA:
        return redirect(solicitacao_url(solicitacao))
    passo = solicitacao.passo or selectors.PASSOS[solicitacao.tipo][0]
    contexto = _contexto(solicitacao, passo, correcoes=selectors.o_que_corrigir(solicitacao))
    return render(request, "parceiros/o_que_corrigir.html", contexto)


# --- Detalhe e ações --------------------------------------------------------------------------
@login_required
def solicitacao_detail(request, pk):
    solicitacao = permissions.get_solicitacao_do_usuario(request, pk)
    return render(
        request,
        "parceiros/solicitacao_detail.html",
        selectors.detalhe_da_solicitacao(solicitacao, request.user),
    )


def _acao(servico, mensagem):
    @login_required
    @require_POST
    def view(request, pk):
        solicitacao = permissions.get_solicitacao_do_usuario(request, pk)
        if not selectors.pode(servico.__name__, solicitacao, request.user):
            raise Http404
        try:
            servico(solicitacao, ator=request.user, ip=ip(request))
        except ErroDeDominio as erro:
            return _falhou(request, erro, solicitacao_url(solicitacao))
        messages.success(request, mensagem)
        return redirect(solicitacao_url(solicitacao))

    return view


def solicitacao_url(solicitacao):
    return f"/solicitacoes/{solicitacao.pk}/"


@login_required
def solicitacao_encaminhar(request: HttpRequest, pk: int) -> HttpResponse:
    """Endereço antigo do botão “Encaminhar para análise” (favoritos, e-mails antigos).

    A assinatura do RL já encaminha; aqui só se explica e volta para a solicitação.
    """
    solicitacao = permissions.get_solicitacao_do_usuario(request, pk)
    messages.info(
        request,
        "Não é mais preciso encaminhar: a assinatura do representante legal envia a "
        "solicitação para análise automaticamente. Veja abaixo em que etapa ela está.",
    )
    return redirect(solicitacao_url(solicitacao))


solicitacao_cancelar = _acao(services.cancelar, "Solicitação cancelada.")
solicitacao_reabrir = _acao(services.reabrir, "Solicitação reaberta para edição.")


@login_required
@require_POST
def indicacao_responder(request, pk, resposta):
    """O RL indicado por CPF aceita ou recusa a indicação (página de pendências ou detalhe)."""
    solicitacao = permissions.get_solicitacao_do_usuario(request, pk)
    if solicitacao.representante_legal_id != request.user.pk:
        raise Http404
    servico = services.aceitar_indicacao if resposta == "aceitar" else services.recusar_indicacao
    try:
        servico(solicitacao, ator=request.user, ip=ip(request))
    except ErroDeDominio as erro:
        return _falhou(request, erro, "declaracoes:assinaturas")
    if resposta == "aceitar":
        messages.success(request, "Indicação aceita. Agora leia e assine a declaração.")
        return redirect(solicitacao_url(solicitacao))
    messages.success(
        request, "Indicação recusada. Quem preparou a solicitação foi avisado por e-mail."
    )
    return redirect("declaracoes:assinaturas")


# --- Pasta digital, responsáveis, arquivos ----------------------------------------------------
@login_required
def parceiro_detail(request, cnpj):
    parceiro = permissions.get_parceiro_do_usuario(request, cnpj)
    return render(
        request, "parceiros/parceiro_detail.html", selectors.pasta_digital(parceiro, request.user)
    )


@login_required
def responsaveis(request, cnpj):
    parceiro = permissions.get_parceiro_como_rl(request, cnpj)
    form = forms.ResponsavelForm(request.user, _dados(request), ip=ip(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.incluir_responsavel(
                parceiro,
                form.pessoa,
                ator=request.user,
                cargo=form.cleaned_data["cargo"],
                ip=ip(request),
            )
        except ErroDeDominio as erro:
            form.add_error("cpf", erro)
        else:
            messages.success(
                request,
                f"{selectors.nome_protegido(form.pessoa)} agora é responsável pelas informações "
                "e recebeu um e-mail para confirmar a inclusão no painel.",
            )
            return redirect(request.path)
    vinculos = parceiro.vinculos.filter(papel=Vinculo.Papel.RI).select_related("usuario")
    return render(
        request,
        "parceiros/responsaveis.html",
        {
            "parceiro": parceiro,
            "form": form,
            "vinculos": selectors.com_nomes_visiveis(vinculos, request.user),
        },
    )


@login_required
@require_POST
def responsavel_remover(request, cnpj, vinculo_pk):
    parceiro = permissions.get_parceiro_como_rl(request, cnpj)
    vinculo = get_object_or_404(parceiro.vinculos, pk=vinculo_pk, papel=Vinculo.Papel.RI)
    services.remover_responsavel(vinculo, ator=request.user, ip=ip(request))
    nome = selectors.nome_visivel(
        vinculo.usuario, request.user, aceito=vinculo.aceito_em is not None
    )
    messages.success(request, f"{nome} não é mais responsável pelas informações.")
    return redirect("parceiros:responsaveis", cnpj=parceiro.cnpj)


@login_required
def documento_download(request, pk):
    documento = permissions.get_documento_do_usuario(request, pk)
    if not documento.arquivo:  # solicitação cancelada: o arquivo foi apagado
        raise Http404
    return resposta_de_download(
        documento.arquivo.open("rb"),
        documento.nome_original,
        baixar=request.GET.get("baixar") == "1",
    )


@login_required
@require_POST
def inclusao_responder(request, vinculo_pk, resposta):
    """O RI incluído pelo RL confirma ou recusa a inclusão (página de pendências)."""
    vinculo = get_object_or_404(
        Vinculo, pk=vinculo_pk, usuario=request.user, papel=Vinculo.Papel.RI
    )
    servico = (
        services.confirmar_responsavel if resposta == "confirmar" else services.recusar_responsavel
    )
    try:
        servico(vinculo, ator=request.user, ip=ip(request))
    except ErroDeDominio as erro:
        return _falhou(request, erro, "declaracoes:assinaturas")
    if resposta == "confirmar":
        messages.success(request, "Inclusão confirmada.")
        return redirect("parceiros:parceiro_detail", cnpj=vinculo.parceiro.cnpj)
    messages.success(request, "Inclusão recusada. O representante legal foi avisado por e-mail.")
    return redirect("declaracoes:assinaturas")
