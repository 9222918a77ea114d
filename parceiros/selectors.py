"""Leituras reaproveitadas: painel, checklist, pasta digital, linha do tempo, fila da análise.

Também as leituras do ciclo de vida da Solicitação que os serviços usam para decidir
(passos, pendências, obrigações, declaração vigente). Só consultas: nada aqui importa
``forms`` nem ``services`` (os serviços dependem dos selectors, nunca o contrário).
"""

from datetime import date, datetime, timedelta
from typing import Any, cast
from uuid import uuid4

from django.core.cache import cache
from django.db.models import Count, Min, Model, Q, QuerySet
from django.utils import timezone

from accounts.models import Usuario
from cagec.lib.documentos import abreviar_nome, formatar_telefone, mascarar_cpf

from . import permissions, situacao
from .models import (
    Documento,
    NaturezaJuridica,
    Obrigacao,
    Parceiro,
    Solicitacao,
    TipoParceiro,
    TransicaoSolicitacao,
    Vinculo,
)

Status = Solicitacao.Status
Tipo = Solicitacao.Tipo

NOMES_PASSOS = {
    "dados": "Dados",
    "representante": "Representante legal",
    "documentos": "Documentos",
    "revisao": "Revisão e envio",
}

ABERTAS = [Status.RASCUNHO, Status.AGUARDANDO_ASSINATURA, Status.EM_ANALISE, Status.DEVOLVIDA]

PROXIMO_PASSO: dict[str, str] = {
    Status.RASCUNHO: "Continue o preenchimento e envie para assinatura.",
    Status.AGUARDANDO_ASSINATURA: "Aguardando a assinatura do representante legal.",
    Status.EM_ANALISE: "Em análise pela equipe do CAGEC.",
    Status.DEVOLVIDA: "Corrija o que a análise pediu e envie de novo para assinatura.",
    Status.APROVADA: "Concluída.",
    Status.APROVADA_PARCIALMENTE: "Concluída em parte; veja o motivo.",
    Status.REPROVADA: "Encerrada; veja o motivo.",
    Status.CANCELADA: "Cancelada.",
}


# --- Leituras do ciclo de vida da Solicitação (os serviços e as views usam as mesmas) ------
# Passos do assistente de cada tipo de solicitação, na ordem.
PASSOS: dict[str, list[str]] = {
    Tipo.INSCRICAO: ["dados", "representante", "documentos", "revisao"],
    Tipo.DADOS: ["dados", "revisao"],
    Tipo.DOCUMENTOS: ["documentos", "revisao"],
    Tipo.VINCULACAO_RL: ["representante", "documentos", "revisao"],
    Tipo.INSCRICAO_RI: ["revisao"],
}


def tipos_permitidos(natureza: NaturezaJuridica) -> QuerySet[TipoParceiro]:
    """Tipos de Parceiro ativos que aceitam a Natureza Jurídica (a inscrição escolhe entre eles)."""
    return TipoParceiro.objects.filter(ativo=True, naturezas=natureza).select_related("genero")


def rl_atual(parceiro: Parceiro) -> Usuario | None:
    """O Usuário que é o RL ativo do Parceiro, ou None."""
    vinculo = (
        Vinculo.objects.filter(parceiro=parceiro, papel=Vinculo.Papel.RL, ativo=True)
        .select_related("usuario")
        .first()
    )
    return vinculo.usuario if vinculo else None


def tipo_da_solicitacao(solicitacao: Solicitacao) -> TipoParceiro | None:
    """O Tipo de Parceiro que vale para a checklist (escolhido na inscrição ou o atual)."""
    if solicitacao.parceiro_id and solicitacao.parceiro is not None:
        return solicitacao.parceiro.tipo
    tipo_id = solicitacao.dados.get("tipo_id")
    return TipoParceiro.objects.filter(pk=tipo_id).first() if tipo_id else None


def obrigacoes_da_solicitacao(solicitacao: Solicitacao) -> QuerySet[Obrigacao]:
    """As Obrigações que a solicitação pode receber, na ordem da checklist."""
    tipo = tipo_da_solicitacao(solicitacao)
    if tipo is None:
        return Obrigacao.objects.none()
    qs = Obrigacao.objects.filter(tipos=tipo, ativa=True).select_related("grupo")
    if solicitacao.tipo == Tipo.VINCULACAO_RL:
        # Credenciamento do novo RL: os documentos que valem até o fim do mandato.
        qs = qs.filter(regra_validade=Obrigacao.Regra.FIM_MANDATO)
    return qs


def pendencias(solicitacao: Solicitacao) -> list[str]:
    """O que ainda falta para enviar a solicitação para assinatura (lista de frases)."""
    faltas: list[str] = []
    passos = PASSOS[solicitacao.tipo]
    if (
        "dados" in passos
        and solicitacao.tipo == Tipo.INSCRICAO
        and not solicitacao.dados.get("tipo_id")
    ):
        faltas.append("Escolha o tipo de parceiro e confira os contatos (passo Dados).")
    if "representante" in passos and not solicitacao.representante_legal_id:
        faltas.append("Informe o representante legal, o cargo e o mandato.")
    if solicitacao.tipo in (Tipo.DOCUMENTOS,) and not solicitacao.documentos_atuais.exists():
        faltas.append("Anexe pelo menos um documento.")
    if solicitacao.tipo == Tipo.VINCULACAO_RL and not solicitacao.documentos_atuais.exists():
        faltas.append("Anexe os documentos de credenciamento do representante legal.")
    if solicitacao.tipo in (Tipo.DOCUMENTOS, Tipo.DADOS, Tipo.INSCRICAO_RI) and not (
        solicitacao.representante_legal_id
    ):
        faltas.append("A organização não tem representante legal ativo para assinar.")
    return faltas


def obrigatorias_sem_documento(solicitacao: Solicitacao) -> QuerySet[Obrigacao]:
    """Obrigatórias da checklist sem anexo nesta solicitação (nem vigente na pasta)."""
    anexadas = solicitacao.documentos_atuais.values("obrigacao_id")
    qs = obrigacoes_da_solicitacao(solicitacao).filter(obrigatoria=True).exclude(pk__in=anexadas)
    if solicitacao.parceiro_id:
        na_pasta = Documento.objects.filter(
            parceiro=solicitacao.parceiro, status=Documento.Status.APROVADO
        ).values("obrigacao_id")
        qs = qs.exclude(pk__in=na_pasta)
    return qs


def inicio_da_assinatura(solicitacao: Solicitacao) -> datetime:
    """Início do período atual de assinatura (última entrada em aguardando_assinatura)."""
    ultima = (
        solicitacao.transicoes.filter(para=Status.AGUARDANDO_ASSINATURA)
        .order_by("-created_at")
        .first()
    )
    return ultima.created_at if ultima else solicitacao.created_at


def declaracao_vigente(solicitacao: Solicitacao) -> Model | None:
    """A declaração assinada para o conteúdo atual (depois da última ida para assinatura)."""
    if solicitacao.status in (Status.RASCUNHO, Status.DEVOLVIDA, Status.CANCELADA):
        return None
    return (
        solicitacao.declaracoes.filter(
            revogada_em=None,
            assinada_em__gte=inicio_da_assinatura(solicitacao),
            signatario_id=solicitacao.representante_legal_id,
        )
        .order_by("-assinada_em")
        .first()
    )


def nome_protegido(pessoa: Usuario) -> str:
    """``Maria Status. O. (CPF ***.456.789-**)``: como aparece quem ainda não aceitou."""
    return f"{abreviar_nome(pessoa.nome)} (CPF {mascarar_cpf(pessoa.cpf)})"


def passos_do_assistente(solicitacao: Solicitacao, atual: str) -> list[dict[str, Any]]:
    passos = PASSOS[solicitacao.tipo]
    alcancado = passos.index(solicitacao.passo) if solicitacao.passo in passos else 0
    return [
        {
            "codigo": p,
            "nome": NOMES_PASSOS[p],
            "atual": p == atual,
            "disponivel": i <= max(alcancado, passos.index(atual)),
            "numero": i + 1,
        }
        for i, p in enumerate(passos)
    ]


def natureza_da_solicitacao(solicitacao: Solicitacao) -> NaturezaJuridica | None:
    codigo = (solicitacao.dados.get("receita") or {}).get("natureza_juridica_codigo")
    return NaturezaJuridica.objects.filter(codigo=codigo).first()


CAMPOS_RECEITA = [
    ("razao_social", "Razão social"),
    ("nome_fantasia", "Nome fantasia"),
    ("situacao_cadastral", "Situação cadastral"),
    ("cnae_principal", "CNAE principal"),
    ("logradouro", "Logradouro"),
    ("numero", "Número"),
    ("complemento", "Complemento"),
    ("bairro", "Bairro"),
    ("cep", "CEP"),
    ("municipio", "Município"),
    ("uf", "UF"),
    ("email", "E-mail na Receita"),
    ("telefone", "Telefone na Receita"),
]
CAMPOS_CONTATO = [
    ("site", "Endereço internet (site)"),
    ("email_institucional", "E-mail institucional"),
    ("telefone", "Telefone"),
]
_NO_PARCEIRO = {"email": "email_receita", "telefone": "telefone_receita"}


def diferencas(solicitacao: Solicitacao) -> list[dict[str, Any]]:
    """Campos que a solicitação muda em relação ao cadastro atual (antes → depois)."""
    parceiro = solicitacao.parceiro
    if parceiro is None:
        return []
    linhas: list[dict[str, Any]] = []
    receita = solicitacao.dados.get("receita") or {}
    for campo, rotulo in CAMPOS_RECEITA:
        if campo in receita:
            atual = getattr(parceiro, _NO_PARCEIRO.get(campo, campo), "")
            if str(atual or "") != str(receita[campo] or ""):
                linhas.append({"campo": rotulo, "antes": atual, "depois": receita[campo]})
    contatos = solicitacao.dados.get("contatos") or {}
    for campo, rotulo in CAMPOS_CONTATO:
        if campo in contatos and (getattr(parceiro, campo) or "") != (contatos[campo] or ""):
            antes, depois = getattr(parceiro, campo), contatos[campo]
            if campo == "telefone":
                antes, depois = formatar_telefone(antes), formatar_telefone(depois)
            linhas.append({"campo": rotulo, "antes": antes, "depois": depois})
    return linhas


def checklist(
    solicitacao: Solicitacao, obrigacoes: QuerySet[Obrigacao], usuario: Usuario
) -> list[dict[str, Any]]:
    """Itens da checklist agrupados: obrigação, anexo desta solicitação, vigente na pasta.

    Só dados: o formulário de envio de cada item é da view (``views.passo_documentos``).
    """
    anexos = {d.obrigacao_id: d for d in solicitacao.documentos_atuais}
    na_pasta: dict[int, Documento] = {}
    if permissions.ve_a_pasta(usuario, solicitacao.parceiro_id):
        for d in Documento.objects.filter(
            parceiro=solicitacao.parceiro, status=Documento.Status.APROVADO
        ):
            na_pasta[d.obrigacao_id] = d
    grupos: dict[Any, list[dict[str, Any]]] = {}
    for obrigacao in obrigacoes:
        grupos.setdefault(obrigacao.grupo, []).append(
            {
                "obrigacao": obrigacao,
                "anexo": anexos.get(obrigacao.pk),
                "na_pasta": na_pasta.get(obrigacao.pk),
            }
        )
    return [{"grupo": g, "itens": itens} for g, itens in grupos.items()]


def pode(acao: str, solicitacao: Solicitacao, usuario: Usuario) -> bool:
    """Quem pode cada ação na página da solicitação (o serviço confere o status)."""
    e_solicitante = solicitacao.solicitante_id == usuario.pk
    e_rl = solicitacao.representante_legal_id == usuario.pk
    return {
        "encaminhar_para_analise": e_solicitante or e_rl,
        "cancelar": e_solicitante,
        "reabrir": e_solicitante or e_rl,
    }.get(acao, False)


def detalhe_da_solicitacao(solicitacao: Solicitacao, usuario: Usuario) -> dict[str, Any]:
    declaracao = declaracao_vigente(solicitacao)
    status = solicitacao.status
    return {
        "solicitacao": solicitacao,
        "eventos": linha_do_tempo(solicitacao, usuario),
        "representante": representante_para(solicitacao, usuario),
        "pode_responder_indicacao": solicitacao.aguarda_aceite_do_rl
        and solicitacao.representante_legal_id == usuario.pk
        and status in (Status.RASCUNHO, Status.AGUARDANDO_ASSINATURA, Status.DEVOLVIDA),
        "documentos": solicitacao.documentos.select_related("obrigacao__grupo"),
        "declaracoes": solicitacao.declaracoes.order_by("-assinada_em"),
        "declaracao": declaracao,
        "diferencas": diferencas(solicitacao),
        "proximo_passo": PROXIMO_PASSO[status],
        "pode_editar": solicitacao.editavel and solicitacao.solicitante_id == usuario.pk,
        "pode_cancelar": solicitacao.editavel and pode("cancelar", solicitacao, usuario),
        "pode_assinar": status == Status.AGUARDANDO_ASSINATURA
        and declaracao is None
        and solicitacao.representante_legal_id == usuario.pk,
        "pode_reabrir": status == Status.AGUARDANDO_ASSINATURA
        and declaracao is None
        and pode("reabrir", solicitacao, usuario),
        "pode_encaminhar": status == Status.AGUARDANDO_ASSINATURA
        and declaracao is not None
        and pode("encaminhar_para_analise", solicitacao, usuario),
    }


# --- Nomes de quem foi indicado por CPF (issue #11) -------------------------------------------
def nome_visivel(pessoa: Usuario | None, usuario: Usuario | None, *, aceito: bool) -> str:
    """O nome completo para a própria pessoa, para a equipe e depois do aceite; antes,
    ``Maria Status. O. (CPF ***.456.789-**)``: quem digitou o CPF não descobre o nome."""
    if pessoa is None:
        return ""
    if aceito or usuario is None or usuario.pk == pessoa.pk or usuario.is_staff:
        return pessoa.nome
    return nome_protegido(pessoa)


def representante_para(solicitacao: Solicitacao, usuario: Usuario | None) -> str:
    """Como ``usuario`` vê o RL da solicitação (protegido até o indicado aceitar)."""
    return nome_visivel(
        solicitacao.representante_legal, usuario, aceito=not solicitacao.aguarda_aceite_do_rl
    )


def com_nomes_visiveis(vinculos: list[Vinculo], usuario: Usuario) -> list[Vinculo]:
    """Os vínculos com ``nome_exibido``: RI incluído pelo RL fica protegido até confirmar."""
    for v in vinculos:
        v.nome_exibido = nome_visivel(  # type: ignore[attr-defined]  # só para a página
            v.usuario, usuario, aceito=v.aceito_em is not None
        )
    return vinculos


def _quem_na_linha_do_tempo(
    t: TransicaoSolicitacao, solicitacao: Solicitacao, usuario: Usuario | None
) -> str:
    pessoa = t.usuario
    assert pessoa is not None  # linha_do_tempo só chama quando há usuário
    aceito = (
        pessoa.is_staff
        or pessoa.pk == solicitacao.solicitante_id
        or (
            pessoa.pk == solicitacao.representante_legal_id and not solicitacao.aguarda_aceite_do_rl
        )
    )
    return nome_visivel(pessoa, usuario, aceito=aceito)


def linha_do_tempo(
    solicitacao: Solicitacao, usuario: Usuario | None = None
) -> list[dict[str, Any]]:
    """Transições e assinaturas em ordem, em frases simples.

    ``usuario``: quem vê; o RL indicado que ainda não aceitou (ou que recusou) aparece
    protegido para os outros. Sem ``usuario`` (equipe), todos os nomes completos.
    """
    eventos: list[dict[str, Any]] = []
    for t in solicitacao.transicoes.select_related("usuario"):
        quem = _quem_na_linha_do_tempo(t, solicitacao, usuario) if t.usuario else "Sistema"
        if not t.de:
            texto = f"{quem} criou a solicitação."
        else:
            texto = f"{quem} mudou de “{t.get_de_display()}” para “{t.get_para_display()}”."
        eventos.append({"quando": t.created_at, "texto": texto, "motivo": t.motivo if t.de else ""})
    for d in solicitacao.declaracoes.all():
        texto = f"{d.signatario_nome} assinou a declaração de autenticidade."
        eventos.append({"quando": d.assinada_em, "texto": texto, "motivo": ""})
        if d.revogada_em:
            texto = "A declaração foi revogada."
            eventos.append({"quando": d.revogada_em, "texto": texto, "motivo": d.motivo_revogacao})
    return sorted(eventos, key=lambda e: e["quando"])


def pasta_digital(parceiro: Parceiro, usuario: Usuario) -> dict[str, Any]:
    """Obrigações do Tipo com o documento vigente, histórico, vínculos e solicitações."""
    documentos = list(
        parceiro.documentos.exclude(
            status=Documento.Status.EM_ANALISE,
            solicitacao__status__in=[Status.RASCUNHO, Status.CANCELADA],
        )
        .select_related("obrigacao", "enviado_por")
        .order_by("-created_at")
    )

    grupos: dict[Any, list[Any]] = {}
    vinculos = list(parceiro.vinculos.filter(ativo=True).select_related("usuario"))
    for item in situacao.itens(parceiro):
        grupos.setdefault(item.obrigacao.grupo, []).append(item)
    return {
        "parceiro": parceiro,
        "grupos": [{"grupo": g, "itens": i} for g, i in grupos.items()],
        "historico": documentos,
        "vinculos": com_nomes_visiveis(vinculos, usuario),
        "e_rl": any(v.usuario_id == usuario.pk and v.papel == Vinculo.Papel.RL for v in vinculos),
        "solicitacoes": parceiro.solicitacoes.select_related("solicitante").order_by("-created_at")[
            :50
        ],
    }


def resumo_do_painel(usuario: Usuario) -> dict[str, Any]:
    """Minhas organizações e minhas solicitações (a parte de ``parceiros`` do painel).

    Só as colunas que o painel mostra (``only``): a página mais aberta de quem está logado
    não carrega o JSON da Receita nem as demais colunas dos Parceiros.
    """
    vinculos = (
        Vinculo.objects.filter(usuario=usuario, ativo=True)
        .select_related("parceiro")
        .only(
            "papel", "aceito_em", "parceiro__cnpj", "parceiro__razao_social", "parceiro__situacao"
        )
        .order_by("parceiro__razao_social")
    )
    inclusoes = sum(1 for v in vinculos if v.aceito_em is None)
    solicitacoes = (
        Solicitacao.objects.filter(solicitante=usuario)
        .exclude(status=Status.CANCELADA)
        .select_related("parceiro")
        .only("tipo", "status", "dados", "parceiro__razao_social")
        .order_by("-updated_at")[:30]
    )
    return {
        "vinculos": vinculos,
        "solicitacoes": [{"s": s, "proximo": PROXIMO_PASSO[s.status]} for s in solicitacoes],
        "indicacoes": _indicacoes_pendentes(usuario).count() + inclusoes,
    }


def _indicacoes_pendentes(usuario: Usuario) -> QuerySet[Solicitacao]:
    return (
        Solicitacao.objects.filter(
            representante_legal=usuario,
            representante_aceite_em=None,
            status__in=[Status.RASCUNHO, Status.AGUARDANDO_ASSINATURA, Status.DEVOLVIDA],
        )
        .exclude(solicitante=usuario)
        .order_by("created_at")
    )


def representacoes_ativas(usuario: Usuario) -> list[Vinculo]:
    """Os vínculos ativos de RL da pessoa, com o Parceiro: o que a validação de cadastro de
    quem foi importado mostra antes de a pessoa criar a senha (organização, cargo, mandato)."""
    return list(
        Vinculo.objects.filter(usuario=usuario, papel=Vinculo.Papel.RL, ativo=True)
        .select_related("parceiro")
        .only(
            "cargo",
            "mandato_inicio",
            "mandato_fim",
            "parceiro__cnpj",
            "parceiro__razao_social",
        )
        .order_by("parceiro__razao_social")
    )


def indicacoes_pendentes(usuario: Usuario) -> list[Solicitacao]:
    """Solicitações que indicam ``usuario`` como RL e esperam o aceite ou a recusa."""
    return list(_indicacoes_pendentes(usuario).select_related("parceiro", "solicitante"))


def inclusoes_pendentes(usuario: Usuario) -> list[Vinculo]:
    """Vínculos de RI criados pelo RL para ``usuario`` ainda sem confirmação."""
    return list(
        Vinculo.objects.filter(
            usuario=usuario, papel=Vinculo.Papel.RI, ativo=True, aceito_em=None
        ).select_related("parceiro", "criado_por")
    )


def parceiro_por_cnpj(cnpj: str) -> Parceiro | None:
    return Parceiro.objects.filter(cnpj=cnpj).first()


# --- Análise ---------------------------------------------------------------------------------
def fila_de_analise(filtros: dict[str, Any], dia: date, usuario: Usuario) -> QuerySet[Solicitacao]:
    """Solicitações em análise, mais antigas primeiro, com os filtros da fila.

    Cada uma com ``conflito`` (``permissions.anotar_conflito``): as de que ``usuario`` é
    parte aparecem sem a ação de decidir, com o motivo.
    """

    qs = (
        Solicitacao.objects.filter(status=Status.EM_ANALISE)
        .select_related("parceiro__tipo", "solicitante")
        # Só o que a fila mostra: nada do JSON da Receita nem das outras colunas dos Parceiros.
        .only(
            "tipo",
            "status",
            "cnpj",
            "enviada_em",
            "dados",
            "parceiro__razao_social",
            "parceiro__tipo__nome",
            "solicitante__nome",
        )
    )
    if filtros.get("tipo"):
        qs = qs.filter(tipo=filtros["tipo"])
    tipo = filtros.get("tipo_parceiro")
    if tipo:
        qs = qs.filter(Q(parceiro__tipo=tipo) | Q(parceiro__isnull=True, dados__tipo_id=tipo.pk))
    if filtros.get("idade"):
        minimo, _, maximo = filtros["idade"].partition("-")
        qs = qs.filter(enviada_em__date__lte=dia - timedelta(days=int(minimo)))
        if maximo:
            qs = qs.filter(enviada_em__date__gte=dia - timedelta(days=int(maximo)))
    return permissions.anotar_conflito(qs, usuario).order_by("enviada_em", "pk")


def resumo_da_analise(usuario: Usuario) -> dict[str, Any]:
    """A parte da análise do painel (``accounts.ganchos.no_painel``), só para quem analisa:
    quantas solicitações esperam na fila e há quantos dias espera a mais antiga."""
    if not permissions.pode_analisar(usuario):
        return {}
    fila = Solicitacao.objects.filter(status=Status.EM_ANALISE).aggregate(
        total=Count("pk"), desde=Min("enviada_em")
    )
    desde = fila["desde"]
    dias = (timezone.localdate() - timezone.localdate(desde)).days if desde else 0
    return {"analise": {"total": fila["total"], "dias": dias}}


_CHAVE_VERSAO_DAS_ASSINATURAS = "parceiros:versao_das_assinaturas"


def versao_das_assinaturas() -> str:
    """Marca que muda quando algo pode mudar "o que espera a assinatura" de alguém.

    O menu "Assinaturas (n)" guarda a contagem de cada pessoa no cache com esta marca na chave
    (``declaracoes.selectors.pendentes_de_assinatura_no_menu``): nenhuma consulta por página.
    """
    return cast(str, cache.get_or_set(_CHAVE_VERSAO_DAS_ASSINATURAS, lambda: uuid4().hex, None))


def esquecer_assinaturas_pendentes() -> None:
    """Depois de entrar ou sair de *Aguardando assinatura*, assinar ou revogar uma declaração."""
    cache.delete(_CHAVE_VERSAO_DAS_ASSINATURAS)


_CHAVE_CONTAGEM_DA_FILA = "parceiros:contagem_da_fila"


def contagem_da_fila() -> list[dict[str, Any]]:
    """{tipo: quantidade} das solicitações em análise.

    Fica 30 s no cache (é só um resumo), mas toda transição que entra ou sai de
    *Em análise* o esquece (``esquecer_contagem_da_fila``): quem acabou de decidir não
    vê a contagem antiga.
    """
    contagem = cache.get_or_set(_CHAVE_CONTAGEM_DA_FILA, _contagem_da_fila, 30)
    return cast(list[dict[str, Any]], contagem)


def esquecer_contagem_da_fila() -> None:
    cache.delete(_CHAVE_CONTAGEM_DA_FILA)


def _contagem_da_fila() -> list[dict[str, Any]]:
    linhas = (
        Solicitacao.objects.filter(status=Status.EM_ANALISE)
        .values("tipo")
        .annotate(n=Count("pk"))
        .order_by()
    )
    nomes = dict(Solicitacao.Tipo.choices)
    return [{"tipo": nomes[linha["tipo"]], "n": linha["n"]} for linha in linhas]


def anotar_tipo_de_parceiro(solicitacoes: list[Solicitacao]) -> list[Solicitacao]:
    """Põe ``tipo_parceiro_nome`` em cada solicitação da página, numa consulta só.

    Inscrições guardam o Tipo escolhido no JSON; as demais usam o do Parceiro.
    """
    ids = {s.dados.get("tipo_id") for s in solicitacoes if not s.parceiro_id}
    nomes = dict(TipoParceiro.objects.filter(pk__in=ids).values_list("pk", "nome"))
    hoje = timezone.localdate()
    for s in solicitacoes:
        s.dias_na_fila = (  # type: ignore[attr-defined]  # só para a página
            (hoje - timezone.localdate(s.enviada_em)).days if s.enviada_em else 0
        )
        s.tipo_parceiro_nome = (  # type: ignore[attr-defined]  # só para a página
            s.parceiro.tipo.nome
            if s.parceiro_id and s.parceiro is not None
            else nomes.get(s.dados.get("tipo_id"), "—")
        )
    return solicitacoes
