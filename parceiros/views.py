"""Solicitações (assistente), pasta digital, responsáveis e download de documentos."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from cagec.lib.armazenamento import ArmazenamentoIndisponivel
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
        "passo_nome": selectors.NOMES_PASSOS[passo],
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


# --- Passo Documentos: um envio por item, com e sem JavaScript --------------------------------
# O static/js/envio.js envia o formulário do item com este cabeçalho e recebe JSON (o item
# redesenhado, o resumo do grupo e o contador); sem ele, a resposta é a de sempre (redirect).
CABECALHO_DO_ENVIO = "X-Envio-Documento"


def _pelo_script(request):
    return request.headers.get(CABECALHO_DO_ENVIO) == "1"


def _chave_do_retido(solicitacao, obrigacao):
    return f"arquivo_retido:{solicitacao.pk}:{obrigacao.pk}"


def _retido(request, solicitacao, obrigacao):
    dados = request.session.get(_chave_do_retido(solicitacao, obrigacao))
    return services.ArquivoRetido(*dados) if dados else None


def passo_documentos(request, solicitacao):
    obrigacoes = selectors.obrigacoes_da_solicitacao(solicitacao)
    if request.method != "POST":
        return _pagina_documentos(request, solicitacao, obrigacoes)
    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.DOCUMENTO_TAMANHO_MAXIMO + 2**20:
        limite = settings.DOCUMENTO_TAMANHO_MAXIMO // 2**20
        mensagem = f"O arquivo tem mais de {limite} MB. Reduza-o e envie de novo."
        return _envio_recusado(request, mensagem)
    obrigacao = forms.obrigacao_do_post(obrigacoes, request.POST.get("obrigacao"))
    if obrigacao is None:
        return _envio_recusado(request, "Escolha um item da lista de documentos.")
    retido = _retido(request, solicitacao, obrigacao)
    form = forms.DocumentoForm(obrigacao, request, request.POST, request.FILES, retido=retido)
    if form.is_valid() and _anexar(request, solicitacao, form):
        return _anexado(request, solicitacao, obrigacoes, obrigacao)
    if not _pelo_script(request):  # com o script, o campo continua com o arquivo escolhido
        _reter_se_so_as_datas_falharam(request, solicitacao, form)
    return _pagina_documentos(request, solicitacao, obrigacoes, form_com_erro=form)


def _envio_recusado(request, mensagem):
    if _pelo_script(request):
        return JsonResponse({"erro": mensagem, "anuncio": mensagem}, status=400)
    messages.error(request, mensagem)
    return redirect(request.path)


def _anexar(request, solicitacao, form):
    """Anexa o arquivo escolhido (ou o retido); erro de domínio vai para o campo."""
    datas = {c: form.cleaned_data[c] for c in ("data_emissao", "data_validade") if c in form.fields}
    chave = _chave_do_retido(solicitacao, form.obrigacao)
    comum = {"ator": request.user, "obrigacao": form.obrigacao, "ip": ip(request), **datas}
    try:
        if form.cleaned_data.get("arquivo"):
            services.anexar_documento(solicitacao, arquivo=form.cleaned_data["arquivo"], **comum)
        else:
            services.anexar_arquivo_retido(solicitacao, form.retido, **comum)
    except ArmazenamentoIndisponivel as erro:  # disco cheio: nada gravado, datas mantidas
        form.add_error("arquivo", erro.mensagem)
        return False
    except FileNotFoundError:  # a varredura já apagou o arquivo retido
        request.session.pop(chave, None)
        form.add_error("arquivo", "O arquivo recebido antes expirou. Escolha o arquivo de novo.")
        return False
    except ErroDeDominio as erro:
        form.add_error("arquivo", erro)
        return False
    request.session.pop(chave, None)
    return True


def _reter_se_so_as_datas_falharam(request, solicitacao, form):
    """Sem JavaScript o navegador esquece o arquivo: se só as datas falharam, o portal o
    guarda e a página diz "Arquivo já recebido"."""
    if not form.arquivo_aceito:
        return
    try:
        retido = services.reter_arquivo(
            solicitacao,
            ator=request.user,
            obrigacao=form.obrigacao,
            arquivo=form.cleaned_data["arquivo"],
            ip=ip(request),
        )
    except ErroDeDominio as erro:  # cota ou formato: o erro vai para o campo do arquivo
        form.add_error("arquivo", erro)
        return
    except ArmazenamentoIndisponivel as erro:  # não deu para guardar: escolher de novo
        form.add_error("arquivo", erro.mensagem)
        return
    request.session[_chave_do_retido(solicitacao, form.obrigacao)] = list(retido)
    form.oferecer_retido(retido)


def _itens_do_passo(request, solicitacao, obrigacoes, form_com_erro=None, anexado=None):
    grupos = selectors.checklist(solicitacao, obrigacoes, request.user)
    contagem = selectors.resumir_checklist(grupos)
    for grupo in grupos:
        for item in grupo["itens"]:
            obrigacao = item["obrigacao"]
            if form_com_erro is not None and form_com_erro.obrigacao.pk == obrigacao.pk:
                item["form"] = form_com_erro
            else:
                retido = _retido(request, solicitacao, obrigacao)
                item["form"] = forms.DocumentoForm(obrigacao, request, retido=retido)
            item["confirmado"] = anexado is not None and str(obrigacao.pk) == str(anexado)
            item["escolhido"] = request.GET.get("item") == str(obrigacao.pk)  # link da revisão
            # O grupo do item com erro, com arquivo retido, recém-enviado ou escolhido se abre.
            if any(item[c] for c in ("confirmado", "escolhido")) or (
                item["form"].errors or item["form"].retido
            ):
                grupo["aberto"] = True
    return grupos, contagem


def _pagina_documentos(request, solicitacao, obrigacoes, form_com_erro=None):
    grupos, contagem = _itens_do_passo(
        request, solicitacao, obrigacoes, form_com_erro, request.GET.get("anexado")
    )
    if form_com_erro is not None and _pelo_script(request):
        return JsonResponse(_erros_do_envio(form_com_erro), status=422)
    contexto = _contexto(solicitacao, "documentos", itens=grupos, contagem=contagem)
    return render(request, "parceiros/passo_documentos.html", contexto)


def _erros_do_envio(form):
    erros = [
        {"id": form[nome].id_for_label, "mensagens": list(mensagens)}
        for nome, mensagens in form.errors.items()
        if nome in form.fields
    ]
    texto = " ".join(m for e in erros for m in e["mensagens"])
    resumo = render_to_string("_partials/resumo_erros.html", {"form": form})
    return {
        "erros": erros,
        "resumo": resumo,
        "anuncio": f"{form.obrigacao.nome}: o arquivo não foi anexado. {texto}",
    }


def _anexado(request, solicitacao, obrigacoes, obrigacao):
    """Depois do envio: o item com a confirmação (script) ou a página no item (sem script)."""
    if not _pelo_script(request):
        return redirect(f"{request.path}?anexado={obrigacao.pk}#obrigacao-{obrigacao.pk}")
    grupos, contagem = _itens_do_passo(request, solicitacao, obrigacoes, anexado=obrigacao.pk)
    grupo = next(g for g in grupos if any(i["obrigacao"] == obrigacao for i in g["itens"]))
    item = next(i for i in grupo["itens"] if i["obrigacao"] == obrigacao)
    contexto = {"solicitacao": solicitacao, "item": item, "g": grupo, "contagem": contagem}
    return JsonResponse(
        {
            "item": render_to_string("parceiros/_documento_item.html", contexto, request),
            "grupo": render_to_string("parceiros/_documento_grupo_resumo.html", contexto),
            "contador": render_to_string("parceiros/_documento_contador.html", contexto),
            "anuncio": f"Documento anexado: {obrigacao.nome}. {contagem['feitos']} de "
            f"{contagem['obrigatorios']} obrigatórios com documento.",
        }
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
        diferencas=selectors.diferencas(solicitacao),
        prazo_dias_uteis=settings.PRAZO_ANALISE_DIAS_UTEIS,
        **selectors.revisao(solicitacao, request.user, ve_a_pasta=ve_a_pasta),
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
