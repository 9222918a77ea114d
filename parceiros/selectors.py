"""Leituras reaproveitadas: painel, checklist, pasta digital, linha do tempo, fila da análise.

Também as leituras do ciclo de vida da Solicitação que os serviços usam para decidir
(passos, pendências, obrigações, a etapa de cada status). Só consultas: nada aqui importa
``forms`` nem ``services`` (os serviços dependem dos selectors, nunca o contrário).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast
from uuid import uuid4

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import Usuario
from cagec.lib.documentos import abreviar_nome, mascarar_cpf
from cagec.lib.formatos import formatar_cep, formatar_cnae, formatar_telefone
from cagec.lib.prazos import somar_dias_uteis

from . import ganchos, permissions, situacao
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


def nome_protegido(pessoa: Usuario) -> str:
    """``Maria Status. O. (CPF ***.456.789-**)``: como aparece quem ainda não aceitou."""
    return f"{abreviar_nome(pessoa.nome)} (CPF {mascarar_cpf(pessoa.cpf)})"


# Etapas do caminho inteiro, além dos passos do assistente (stepper).
NOMES_ETAPAS = {
    **NOMES_PASSOS,
    "representante": "Representante",
    "revisao": "Revisão",
    "assinatura": "Assinatura",
    "envio": "Envio",
}
# Status em que a solicitação está no caminho (o stepper aparece no detalhe).
NO_CAMINHO = [Status.RASCUNHO, Status.DEVOLVIDA, Status.AGUARDANDO_ASSINATURA, Status.EM_ANALISE]


def _etapa_atual(solicitacao: Solicitacao, atual: str | None) -> str:
    """A etapa em que a solicitação está (``atual``: a página do assistente aberta)."""
    if solicitacao.editavel:
        return atual or solicitacao.passo or PASSOS[solicitacao.tipo][0]
    if solicitacao.status == Status.AGUARDANDO_ASSINATURA:
        return "assinatura"  # assinar já encaminha: não há "assinada, falta enviar"
    return ""  # em análise ou depois: todas feitas


def etapas(solicitacao: Solicitacao, usuario: Usuario, atual: str | None = None) -> dict[str, Any]:
    """O caminho inteiro da solicitação para o stepper: passos do assistente do tipo,
    Assinatura e Envio; cada etapa feita, atual ou futura, com ``link`` quando dá para
    voltar a ela (passo já alcançado de um rascunho de quem o preparou; a assinatura para
    o RL enquanto pendente). O envio acontece com a assinatura: em análise, tudo feito."""
    codigos = [*PASSOS[solicitacao.tipo], "assinatura", "envio"]
    corrente = _etapa_atual(solicitacao, atual)
    indice = codigos.index(corrente) if corrente in codigos else len(codigos)
    editando = solicitacao.editavel and solicitacao.solicitante_id == usuario.pk
    passos = PASSOS[solicitacao.tipo]
    alcancado = passos.index(solicitacao.passo) if solicitacao.passo in passos else 0
    lista = []
    for i, codigo in enumerate(codigos):
        revisitado = codigo in passos and editando and i <= alcancado  # já passou por ela
        estado = "atual" if i == indice else ("feito" if i < indice or revisitado else "futuro")
        url = ""
        if codigo in passos and editando and i <= max(alcancado, indice) and estado != "atual":
            url = reverse("parceiros:solicitacao_passo", args=[solicitacao.pk, codigo])
        elif (
            estado == "atual"
            and codigo == "assinatura"
            and solicitacao.representante_legal_id == usuario.pk
        ):
            url = reverse("declaracoes:assinar", args=[solicitacao.pk])
        nome = NOMES_ETAPAS[codigo]
        lista.append(
            {"codigo": codigo, "nome": nome, "numero": i + 1, "estado": estado, "url": url}
        )
    atual_item = next((e for e in lista if e["estado"] == "atual"), None)
    return {"solicitacao": solicitacao, "etapas": lista, "atual": atual_item, "total": len(lista)}


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
# O retrato da Receita guarda ISO e só dígitos; a comparação é mostrada no formato brasileiro.
_EXIBICAO = {
    "cnae_principal": formatar_cnae,
    "cep": formatar_cep,
    "telefone": formatar_telefone,
}


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
                exibir = _EXIBICAO.get(campo)
                antes, depois = atual, receita[campo]
                if exibir:
                    antes, depois = exibir(antes), exibir(depois)
                linhas.append({"campo": rotulo, "antes": antes, "depois": depois})
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


def resumir_checklist(grupos: list[dict[str, Any]]) -> dict[str, int]:
    """Marca cada item e grupo da ``checklist`` para o passo Documentos e conta os obrigatórios.

    Item: ``reprovado`` (o anexo foi reprovado na análise), ``feito`` (anexo válido ou, sem
    anexo, documento aprovado na pasta) e ``pendente`` (obrigatório e não feito). Grupo:
    ``enviados``, ``na_pasta``, ``pendentes``, ``total`` e ``aberto`` (começa aberto; os
    prontos começam recolhidos). Devolve ``{"feitos", "obrigatorios"}``.

    Abertos: os grupos com item reprovado e o primeiro com obrigatório pendente; os demais
    pendentes começam recolhidos, com "n pendentes" no resumo — a página de 26 itens
    cabe numa tela e meia, um grupo de cada vez, como um acordeão.
    """
    contagem = {"feitos": 0, "obrigatorios": 0}
    for grupo in grupos:
        for item in grupo["itens"]:
            anexo = item["anexo"]
            item["reprovado"] = bool(anexo and anexo.reprovado_na_analise)
            item["feito"] = (bool(anexo) and not item["reprovado"]) or (
                not anexo and item["na_pasta"] is not None
            )
            item["pendente"] = item["obrigacao"].obrigatoria and not item["feito"]
            if item["obrigacao"].obrigatoria:
                contagem["obrigatorios"] += 1
                contagem["feitos"] += item["feito"]
        itens = grupo["itens"]
        grupo["enviados"] = sum(1 for i in itens if i["anexo"] and not i["reprovado"])
        grupo["na_pasta"] = sum(1 for i in itens if not i["anexo"] and i["na_pasta"])
        grupo["total"] = len(itens)
        grupo["pendentes"] = sum(1 for i in itens if i["pendente"])
        grupo["aberto"] = any(i["reprovado"] for i in itens)
    primeiro_pendente = next((g for g in grupos if g["pendentes"]), None)
    if primeiro_pendente is not None:
        primeiro_pendente["aberto"] = True
    return contagem


def _data_iso(valor: str | None) -> date | None:
    return date.fromisoformat(valor) if valor else None


def _mandato(solicitacao: Solicitacao) -> dict[str, Any]:
    """Cargo e mandato que a solicitação propõe; sem passo Representante, os do RL atual."""
    rep = solicitacao.dados.get("representante")
    if rep:
        return {
            "cargo": rep.get("cargo", ""),
            "inicio": _data_iso(rep.get("mandato_inicio")),
            "fim": _data_iso(rep.get("mandato_fim")),
        }
    vinculo = (
        Vinculo.objects.filter(
            parceiro=solicitacao.parceiro, papel=Vinculo.Papel.RL, ativo=True
        ).first()
        if solicitacao.parceiro_id
        else None
    )
    if vinculo is None:
        return {"cargo": "", "inicio": None, "fim": None}
    return {"cargo": vinculo.cargo, "inicio": vinculo.mandato_inicio, "fim": vinculo.mandato_fim}


def _contatos_da_revisao(solicitacao: Solicitacao) -> list[tuple[str, str]]:
    contatos = solicitacao.dados.get("contatos") or {}
    if not contatos and solicitacao.parceiro is not None:
        contatos = {c: getattr(solicitacao.parceiro, c) or "" for c, _ in CAMPOS_CONTATO}
    linhas = []
    for campo, rotulo in CAMPOS_CONTATO:
        valor = contatos.get(campo) or ""
        if campo == "telefone" and valor:
            valor = formatar_telefone(valor)
        linhas.append((rotulo, valor))
    return linhas


def revisao(solicitacao: Solicitacao, usuario: Usuario, *, ve_a_pasta: bool) -> dict[str, Any]:
    """Tudo o que vai para a assinatura e a análise, por seção, como o CRC agrupa.

    ``faltam``: obrigatórias sem documento (nem na pasta, para quem a vê), cada uma com o
    link para o envio dela no passo Documentos; ``documentos``: os anexos por grupo.
    """
    documentos = solicitacao.documentos_atuais.select_related("obrigacao__grupo")
    grupos: dict[Any, list[Documento]] = {}
    for documento in documentos:
        grupos.setdefault(documento.obrigacao.grupo, []).append(documento)
    passos = PASSOS[solicitacao.tipo]
    return {
        "tipo_parceiro": tipo_da_solicitacao(solicitacao),
        "contatos": _contatos_da_revisao(solicitacao),
        "mandato": _mandato(solicitacao),
        "grupos_documentos": [{"grupo": g, "documentos": d} for g, d in grupos.items()],
        "total_documentos": len(documentos),
        "faltam": list(obrigatorias_sem_documento(solicitacao)) if ve_a_pasta else [],
        "alterar": dict.fromkeys(passos, solicitacao.solicitante_id == usuario.pk),
    }


def pode(acao: str, solicitacao: Solicitacao, usuario: Usuario) -> bool:
    """Quem pode cada ação na página da solicitação (o serviço confere o status)."""
    e_solicitante = solicitacao.solicitante_id == usuario.pk
    e_rl = solicitacao.representante_legal_id == usuario.pk
    return {
        "cancelar": e_solicitante,
        "reabrir": e_solicitante or e_rl,
    }.get(acao, False)


def detalhe_da_solicitacao(solicitacao: Solicitacao, usuario: Usuario) -> dict[str, Any]:
    """A página da solicitação (e a base da página da análise).

    As declarações (lista, a vigente) vêm de ``declaracoes`` pelo gancho
    ``ganchos.no_detalhe_da_solicitacao``: ``parceiros`` não as lê.
    """
    status = solicitacao.status
    etapa = etapa_da_solicitacao(solicitacao, usuario)
    return {
        "solicitacao": solicitacao,
        "etapa": etapa,
        "eventos": linha_do_tempo(solicitacao, usuario),
        "representante": representante_para(solicitacao, usuario),
        "pode_responder_indicacao": solicitacao.aguarda_aceite_do_rl
        and solicitacao.representante_legal_id == usuario.pk
        and status in (Status.RASCUNHO, Status.AGUARDANDO_ASSINATURA, Status.DEVOLVIDA),
        "documentos": documentos_da_solicitacao(solicitacao),
        "diferencas": diferencas(solicitacao),
        "correcoes": o_que_corrigir(solicitacao) if status == Status.DEVOLVIDA else None,
        "motivo_da_decisao": solicitacao.motivo if status in _DECIDIDAS else "",
        "no_caminho": status in NO_CAMINHO,
        "pode_cancelar": solicitacao.editavel and pode("cancelar", solicitacao, usuario),
        "pode_reabrir": status == Status.AGUARDANDO_ASSINATURA
        and pode("reabrir", solicitacao, usuario),
        **ganchos.contexto_do_detalhe(solicitacao, usuario),
    }


_DECIDIDAS = (Status.APROVADA, Status.APROVADA_PARCIALMENTE, Status.REPROVADA)


# --- Onde está a solicitação e quem deve agir (uma fonte para todas as páginas e e-mails) ----
@dataclass(frozen=True)
class Etapa:
    """O status de uma solicitação como uma pessoa o vê: rótulo, próxima ação e quem age.

    ``url``/``botao``: só quando quem vê é quem deve agir (o botão da ação, ao lado do texto).
    """

    rotulo: str
    proxima_acao: str
    quem: str
    url: str = ""
    botao: str = ""

    def para_email(self) -> dict[str, str]:
        return {"rotulo": self.rotulo, "proxima_acao": self.proxima_acao, "quem": self.quem}


NINGUEM = "Ninguém: não há ação pendente"
EQUIPE = "A equipe do CAGEC"


def previsao_da_analise(solicitacao: Solicitacao) -> date:
    """Data prevista da decisão: ``PRAZO_ANALISE_DIAS_UTEIS`` dias úteis após o envio."""
    inicio = solicitacao.enviada_em or timezone.now()
    return somar_dias_uteis(timezone.localdate(inicio), settings.PRAZO_ANALISE_DIAS_UTEIS)


def etapa_da_solicitacao(solicitacao: Solicitacao, usuario: Usuario | None) -> Etapa:
    """Rótulo, próxima ação e quem deve agir, para ``usuario`` (painel, página, e-mails)."""
    rotulo = solicitacao.get_status_display()
    fixas = _ETAPAS_SEM_ACAO.get(solicitacao.status)
    if fixas is not None:
        return Etapa(rotulo, fixas, NINGUEM)
    if solicitacao.status == Status.EM_ANALISE:
        previsao = previsao_da_analise(solicitacao)
        acao = f"Analisar a solicitação; previsão de resposta até {previsao:%d/%m/%Y}."
        return Etapa(rotulo, acao, EQUIPE)
    if solicitacao.status == Status.AGUARDANDO_ASSINATURA:
        return _etapa_da_assinatura(solicitacao, usuario, rotulo)
    return _etapa_de_quem_prepara(solicitacao, usuario, rotulo)


_ETAPAS_SEM_ACAO: dict[str, str] = {
    Status.APROVADA: "Nenhuma: as mudanças aprovadas já valem no cadastro.",
    Status.APROVADA_PARCIALMENTE: "Nenhuma nesta solicitação: o que foi aprovado já vale; "
    "os documentos reprovados podem ser enviados numa atualização de documentos.",
    Status.REPROVADA: "Nenhuma: a solicitação foi encerrada (veja o motivo). Se for o caso, "
    "comece uma nova solicitação.",
    Status.CANCELADA: "Nenhuma: a solicitação foi cancelada.",
}


def _etapa_da_assinatura(solicitacao: Solicitacao, usuario: Usuario | None, rotulo: str) -> Etapa:
    acao = (
        "Ler e assinar a declaração de autenticidade; a assinatura encaminha a solicitação "
        "para análise da equipe do CAGEC."
    )
    if usuario is not None and solicitacao.representante_legal_id == usuario.pk:
        url = reverse("declaracoes:assinar", args=[solicitacao.pk])
        return Etapa(rotulo, acao, "Você", url, "Ler e assinar a declaração")
    quem = f"O representante legal, {representante_para(solicitacao, usuario)}"
    return Etapa(rotulo, acao, quem)


def _etapa_de_quem_prepara(solicitacao: Solicitacao, usuario: Usuario | None, rotulo: str) -> Etapa:
    if solicitacao.status == Status.DEVOLVIDA:
        acao = "Corrigir o que a análise apontou e enviar de novo para assinatura."
        url = reverse("parceiros:solicitacao_corrigir", args=[solicitacao.pk])
    else:
        acao = "Continuar o preenchimento e enviar para assinatura do representante legal."
        passo = solicitacao.passo or PASSOS[solicitacao.tipo][0]
        url = reverse("parceiros:solicitacao_passo", args=[solicitacao.pk, passo])
    if usuario is not None and solicitacao.solicitante_id == usuario.pk:
        return Etapa(rotulo, acao, "Você", url, "Continuar preenchimento")
    return Etapa(rotulo, acao, f"Quem preparou a solicitação, {solicitacao.solicitante.nome}")


# --- Documentos da solicitação e o que corrigir quando ela volta -----------------------------
def rotulo_do_documento(documento: Documento, solicitacao: Solicitacao) -> str:
    """O status do documento na página da solicitação: o parecer da análise vale na devolução
    (“Reprovado”, não “Em análise”); antes da análise, “Anexado”."""
    if documento.status != Documento.Status.EM_ANALISE:
        return documento.get_status_display()
    if solicitacao.status == Status.DEVOLVIDA and documento.parecer:
        reprovado = documento.parecer == Documento.Parecer.REPROVAR
        return Documento.Status.REPROVADO.label if reprovado else Documento.Status.APROVADO.label
    if solicitacao.antes_da_analise:
        return "Anexado"
    return documento.get_status_display()


def documentos_da_solicitacao(solicitacao: Solicitacao) -> list[Documento]:
    """Todos os documentos (os trocados também), cada um com ``rotulo`` para a página."""
    documentos = list(solicitacao.documentos.select_related("obrigacao__grupo"))
    for d in documentos:
        d.rotulo = rotulo_do_documento(d, solicitacao)  # type: ignore[attr-defined]
    return documentos


def devolvida_em(solicitacao: Solicitacao) -> datetime | None:
    ultima = solicitacao.transicoes.filter(para=Status.DEVOLVIDA).order_by("-created_at").first()
    return ultima.created_at if ultima else None


def o_que_corrigir(solicitacao: Solicitacao) -> dict[str, Any]:
    """A lista “O que corrigir” de uma solicitação devolvida, com o link de cada item.

    Cada documento reprovado aponta para o seu item no passo Documentos; o já trocado depois
    da devolução aparece como feito. Os passos de dados ficam para o que o motivo pedir.
    """
    desde = devolvida_em(solicitacao)
    base = reverse("parceiros:solicitacao_passo", args=[solicitacao.pk, "documentos"])
    reprovados = solicitacao.documentos.filter(
        parecer=Documento.Parecer.REPROVAR,
        status__in=[Documento.Status.EM_ANALISE, Documento.Status.SUBSTITUIDO],
    ).select_related("obrigacao")
    if solicitacao.enviada_em:  # só o parecer desta devolução, não o de uma anterior
        reprovados = reprovados.filter(analisado_em__gte=solicitacao.enviada_em)
    documentos = [
        {
            "nome": d.obrigacao.nome,
            "motivo": d.motivo_reprovacao,
            "url": f"{base}#obrigacao-{d.obrigacao_id}",
            "corrigido": d.status == Documento.Status.SUBSTITUIDO,
        }
        for d in reprovados.order_by("obrigacao__grupo__ordem", "obrigacao__ordem")
    ]
    passos = [p for p in PASSOS[solicitacao.tipo] if p in ("dados", "representante")]
    return {
        "motivo": solicitacao.motivo,
        "devolvida_em": desde,
        "documentos": documentos,
        "faltam": sum(1 for d in documentos if not d["corrigido"]),
        "passos": [
            {
                "nome": NOMES_PASSOS[p],
                "url": reverse("parceiros:solicitacao_passo", args=[solicitacao.pk, p]),
            }
            for p in passos
        ],
        "url_revisao": reverse("parceiros:solicitacao_passo", args=[solicitacao.pk, "revisao"]),
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
    """Transições, pareceres de reprovação e assinaturas em ordem, em frases simples.

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
    eventos += _pareceres_de_reprovacao(solicitacao)
    eventos += ganchos.eventos_da_linha_do_tempo(solicitacao)  # assinaturas, revogações
    return sorted(eventos, key=lambda e: e["quando"])


def _pareceres_de_reprovacao(solicitacao: Solicitacao) -> list[dict[str, Any]]:
    """Cada documento reprovado pela análise, com o motivo e a data (fica no histórico)."""
    reprovados = solicitacao.documentos.filter(
        parecer=Documento.Parecer.REPROVAR, analisado_em__isnull=False
    ).select_related("obrigacao")
    return [
        {
            "quando": d.analisado_em,
            "texto": f"A análise reprovou o documento “{d.obrigacao.nome}”.",
            "motivo": d.motivo_reprovacao,
        }
        for d in reprovados
    ]


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
    itens = situacao.itens(parceiro)
    for item in itens:
        grupos.setdefault(item.obrigacao.grupo, []).append(item)
    return {
        "parceiro": parceiro,
        "estado": situacao.campos_do_estado(parceiro, itens),
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
    # As que eu preparei e as que eu assino como RL: o painel diz onde cada uma está e quem age.
    solicitacoes = (
        Solicitacao.objects.filter(Q(solicitante=usuario) | Q(representante_legal=usuario))
        .exclude(status=Status.CANCELADA)
        .select_related("parceiro", "solicitante", "representante_legal")
        .only(*_COLUNAS_DO_PAINEL)
        .order_by("-updated_at")[:30]
    )
    return {
        "vinculos": vinculos,
        "solicitacoes": [{"s": s, "etapa": etapa_da_solicitacao(s, usuario)} for s in solicitacoes],
        "indicacoes": _indicacoes_pendentes(usuario).count() + inclusoes,
    }


_COLUNAS_DO_PAINEL = (
    "tipo",
    "status",
    "dados",
    "passo",
    "enviada_em",
    "representante_aceite_em",
    "solicitante_id",
    "representante_legal_id",
    "parceiro__razao_social",
    "solicitante__nome",
    "representante_legal__nome",
    "representante_legal__cpf",
)


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


# --- Exportação LGPD (gancho ``accounts.ganchos.na_exportacao_de_dados``) -----------------------
def _iso(valor: date | None) -> str | None:
    return valor.isoformat() if valor else None


def dados_pessoais_nas_organizacoes(usuario: Usuario) -> dict[str, Any]:
    """Vínculos, solicitações e documentos enviados pela pessoa, para a exportação LGPD."""
    return {
        "vinculos": [
            {
                "cnpj": v.parceiro.cnpj,
                "organizacao": v.parceiro.razao_social,
                "papel": v.get_papel_display(),
                "cargo": v.cargo,
                "mandato_inicio": _iso(v.mandato_inicio),
                "mandato_fim": _iso(v.mandato_fim),
                "ativo": v.ativo,
                "desde": _iso(v.created_at),
                "encerrado_em": _iso(v.encerrado_em),
            }
            for v in Vinculo.objects.filter(usuario=usuario)
            .select_related("parceiro")
            .order_by("created_at")
        ],
        "solicitacoes": [
            {
                "numero": s.pk,
                "tipo": s.get_tipo_display(),
                "cnpj": s.cnpj,
                "situacao": s.get_status_display(),
                "criada_em": _iso(s.created_at),
            }
            for s in Solicitacao.objects.filter(solicitante=usuario).order_by("created_at")
        ],
        "documentos_enviados": [
            {
                "obrigacao": d.obrigacao.nome,
                "arquivo": d.nome_original,
                "sha256": d.sha256,
                "situacao": d.get_status_display(),
                "enviado_em": _iso(d.created_at),
            }
            for d in Documento.objects.filter(enviado_por=usuario)
            .select_related("obrigacao")
            .order_by("created_at")
        ],
    }
