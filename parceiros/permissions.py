"""Buscar e autorizar em um passo: quem não pode ver recebe 404 (nunca 403)."""

from django.contrib.auth.models import AnonymousUser, Permission
from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from accounts.models import Usuario
from cagec.lib.documentos import cnpj_valido, normalizar_cnpj

from .models import Documento, Parceiro, Solicitacao, Vinculo


def _e_equipe(usuario: Usuario | AnonymousUser) -> bool:
    """Equipe do CAGEC: só ``is_staff`` (analistas também usam o admin); sem consulta."""
    return usuario.is_staff


def cnpj_da_url(cnpj: str) -> str:
    """CNPJ normalizado de um trecho de URL; qualquer coisa que não seja um CNPJ é 404."""
    normalizado = normalizar_cnpj(cnpj)
    if not cnpj_valido(normalizado):
        raise Http404
    return normalizado


def _parceiros_do_usuario(usuario):
    return Vinculo.objects.filter(usuario=usuario, ativo=True).values("parceiro_id")


def get_parceiro_do_usuario(request, cnpj):
    """Parceiro de quem tem vínculo ativo (RL ou RI) ou é da equipe."""
    vinculado = Vinculo.objects.filter(parceiro=OuterRef("pk"), usuario=request.user, ativo=True)
    parceiro = get_object_or_404(
        Parceiro.objects.select_related("tipo__genero", "natureza_juridica").annotate(
            vinculado=Exists(vinculado)
        ),
        cnpj=cnpj_da_url(cnpj),
    )
    if parceiro.vinculado or _e_equipe(request.user):
        return parceiro
    raise Http404


def ve_a_pasta(usuario: Usuario, parceiro_id: int | None) -> bool:
    """A pasta digital (nomes, datas e arquivos dos documentos) é de quem tem vínculo ativo
    com o Parceiro e da equipe; quem só começou uma vinculação ou um pedido de RI, não."""
    if parceiro_id is None:
        return False
    return _e_equipe(usuario) or tem_vinculo_ativo(usuario, parceiro_id)


def tem_vinculo_ativo(usuario: Usuario, parceiro_id: int) -> bool:
    """RL ou RI ativo do Parceiro: vê a pasta, mas não altera o que o Estado mantém."""
    return Vinculo.objects.filter(parceiro_id=parceiro_id, usuario=usuario, ativo=True).exists()


def get_parceiro_como_rl(request, cnpj):
    """Parceiro do qual a pessoa é o Representante Legal ativo."""
    parceiro = get_object_or_404(Parceiro, cnpj=cnpj_da_url(cnpj))
    if parceiro.vinculos.filter(usuario=request.user, ativo=True, papel=Vinculo.Papel.RL).exists():
        return parceiro
    raise Http404


def solicitacoes_visiveis(usuario):
    if _e_equipe(usuario):
        return Solicitacao.objects.all()
    return Solicitacao.objects.filter(
        Q(solicitante=usuario)
        | Q(representante_legal=usuario)
        | Q(parceiro__in=_parceiros_do_usuario(usuario))
    ).distinct()


def get_solicitacao_do_usuario(request, pk):
    """Solicitação de quem a criou, do RL que assina, de quem é ligado ao Parceiro, da equipe."""
    return get_object_or_404(
        solicitacoes_visiveis(request.user).select_related(
            "parceiro", "solicitante", "representante_legal"
        ),
        pk=pk,
    )


def get_solicitacao_editavel(request, pk):
    """Só quem criou a solicitação edita os passos do assistente."""
    return get_object_or_404(
        Solicitacao.objects.select_related("parceiro", "representante_legal"),
        pk=pk,
        solicitante=request.user,
    )


def get_documento_do_usuario(request, pk):
    documento = get_object_or_404(
        Documento.objects.select_related("obrigacao", "solicitacao", "parceiro"), pk=pk
    )
    usuario = request.user
    if _e_equipe(usuario):
        return documento
    if (
        documento.parceiro_id
        and documento.parceiro.vinculos.filter(usuario=usuario, ativo=True).exists()
    ):
        return documento
    if (
        documento.solicitacao_id
        and solicitacoes_visiveis(usuario).filter(pk=documento.solicitacao_id).exists()
    ):
        return documento
    raise Http404


def marcar_menu_analise(request: HttpRequest, usuario: Usuario) -> None:
    """No login (``accounts.ganchos.ao_abrir_sessao``): guarda se a pessoa vê o menu "Análise".

    Só para mostrar o menu sem consultar permissões a cada página; a fila confere a
    permissão de verdade (com ``pode_analisar``).
    """
    request.session["menu_analise"] = pode_analisar(usuario)


def pode_analisar(usuario: Usuario | AnonymousUser) -> bool:
    """Da equipe, ativa e com ``parceiros.analisar_solicitacao`` (própria ou de um grupo).

    Uma consulta ``EXISTS`` em vez do ``has_perm`` do ModelBackend, que carrega todas as
    permissões da pessoa e dos grupos (duas consultas) a cada página da fila.
    """
    if not (usuario.is_authenticated and usuario.is_active and usuario.is_staff):
        return False
    if usuario.is_superuser:
        return True
    return Permission.objects.filter(
        Q(user=usuario) | Q(group__user=usuario),
        content_type__app_label="parceiros",
        codename="analisar_solicitacao",
    ).exists()


def exigir_analista(request: HttpRequest) -> None:
    """Quem não é da análise recebe 404, como em qualquer objeto de outra pessoa."""
    if not pode_analisar(request.user):
        raise Http404


# Separação de funções: por que a pessoa não pode decidir a solicitação (texto para a fila,
# a página de decisão, a recusa do serviço e a auditoria).
CONFLITO_SOLICITANTE = "Você fez esta solicitação."
CONFLITO_REPRESENTANTE = "Você é o representante legal indicado nesta solicitação."
CONFLITO_VINCULO = "Você é representante legal ou responsável pelas informações desta organização."


def anotar_conflito(solicitacoes: QuerySet[Solicitacao], usuario: Usuario) -> QuerySet[Solicitacao]:
    """Anota ``conflito``: o motivo de ``usuario`` não poder decidir cada solicitação ("" se pode).

    A regra única da separação de funções (fila, página de decisão e ``analise.decidir``; o
    admin da solicitação é só leitura): ninguém decide o que pediu, o que assinaria como RL
    indicado, nem solicitação de
    organização da qual é RL ou RI ativo. O vínculo é procurado pelo CNPJ: vale também para a
    inscrição de uma organização que já existe.
    """
    vinculo = Vinculo.objects.filter(parceiro__cnpj=OuterRef("cnpj"), usuario=usuario, ativo=True)
    return solicitacoes.annotate(
        conflito=Case(
            When(solicitante=usuario, then=Value(CONFLITO_SOLICITANTE)),
            When(representante_legal=usuario, then=Value(CONFLITO_REPRESENTANTE)),
            When(Exists(vinculo), then=Value(CONFLITO_VINCULO)),
            default=Value(""),
            output_field=CharField(),
        )
    )


def conflito_de_interesse(solicitacao, usuario):
    """Por que ``usuario`` não pode decidir ``solicitacao`` ("" se pode): ``anotar_conflito``."""
    qs = anotar_conflito(Solicitacao.objects.filter(pk=solicitacao.pk), usuario)
    return qs.values_list("conflito", flat=True).first() or ""


def get_solicitacao_para_analise(request, pk):
    """A solicitação para a página de decisão, com ``conflito`` de quem a abre."""
    exigir_analista(request)
    return get_object_or_404(
        anotar_conflito(
            Solicitacao.objects.select_related(
                "parceiro__tipo", "solicitante", "representante_legal"
            ),
            request.user,
        ),
        pk=pk,
    )
