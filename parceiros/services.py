"""Toda mudança em Solicitações, Documentos e Vínculos passa por aqui.

Ciclo de vida da Solicitação (única casa das transições, ver ``_TRANSICOES``)::

    rascunho ──enviar para assinatura──▶ aguardando_assinatura ──assinatura do RL──▶ em_analise
    aguardando_assinatura ──reabrir (antes de assinar)──▶ rascunho
    em_analise ──decisão da análise──▶ aprovada | aprovada_parcialmente | devolvida | reprovada
    devolvida ──enviar para assinatura (após correções)──▶ aguardando_assinatura
    rascunho | devolvida ──cancelar──▶ cancelada
    rascunho | devolvida ──30 dias sem alteração (rotina noturna, aviso 7 dias antes)──▶ cancelada

Cada função roda numa transação, trava a solicitação, grava a linha do tempo e a auditoria
e deixa os e-mails na caixa de saída. A decisão da análise (``analise.decidir``) aplica a
sua transição pela mesma porta pública, ``transicionar``; as leituras do ciclo (passos,
pendências, a etapa de cada status...) ficam em ``selectors``; a assinatura (``declaracoes``)
chama ``encaminhar_assinada``.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from accounts.models import Usuario
from cagec.lib import copia, fila
from cagec.lib.arquivos import nome_de_arquivo_enviado, sha256_do_arquivo, tipo_pelo_conteudo
from cagec.lib.auditoria import montar, registrar, registrar_em_massa
from cagec.lib.documentos import formatar_cnpj, normalizar_cnpj
from cagec.lib.emails import enfileirar_email

from . import ganchos, permissions, receita, selectors, situacao, tasks
from .armazenamento import conferir_cota_de_envio, conferir_rascunhos_abertos
from .erros import ErroDeParceiros
from .erros import TransicaoInvalida as TransicaoInvalida  # reexportada (declaracoes, analise)
from .models import (
    Documento,
    NaturezaJuridica,
    Obrigacao,
    Parceiro,
    Sequencia,
    Solicitacao,
    TipoParceiro,
    TransicaoSolicitacao,
    Vinculo,
    caminho_documento,
)

log = logging.getLogger(__name__)
Status = Solicitacao.Status
Tipo = Solicitacao.Tipo

_TRANSICOES: dict[str, set[str]] = {
    Status.RASCUNHO: {Status.AGUARDANDO_ASSINATURA, Status.CANCELADA},
    Status.AGUARDANDO_ASSINATURA: {Status.EM_ANALISE, Status.RASCUNHO},
    Status.EM_ANALISE: {
        Status.APROVADA,
        Status.APROVADA_PARCIALMENTE,
        Status.DEVOLVIDA,
        Status.REPROVADA,
    },
    Status.DEVOLVIDA: {Status.AGUARDANDO_ASSINATURA, Status.CANCELADA},
    Status.APROVADA: set(),
    Status.APROVADA_PARCIALMENTE: set(),
    Status.REPROVADA: set(),
    Status.CANCELADA: set(),
}


class ConflitoDeInteresse(TransicaoInvalida):
    """A pessoa é parte (separação de funções): outra pessoa da equipe decide ou altera."""


CONFLITO_NO_PARCEIRO = (
    "Você é representante legal ou responsável pelas informações desta organização: outra "
    "pessoa da equipe altera os dados mantidos pelo Estado."
)


class SolicitacaoIncompleta(ErroDeParceiros):
    """A solicitação ainda não pode seguir: a mensagem diz o que falta."""


class CNPJRecusado(ErroDeParceiros):
    """CNPJ que não pode ser inscrito (inativo na Receita, natureza sem tipo, já no CAGEC)."""


# --- Transições ------------------------------------------------------------------------------
def _travar(solicitacao: Solicitacao) -> Solicitacao:
    return Solicitacao.objects.select_for_update().get(pk=solicitacao.pk)


def transicionar(
    solicitacao: Solicitacao,
    para: str,
    *,
    ator: Usuario | None,
    motivo: str = "",
    ip: str | None = None,
) -> None:
    """Aplica uma transição de ``_TRANSICOES`` (a única tabela do ciclo de vida da Solicitação).

    Pré-condição: ``solicitacao`` travada (``select_for_update``) dentro da transação de quem
    chama, que já conferiu as regras do seu passo: os serviços deste módulo e a decisão da
    análise (``analise.decidir``). Grava o status, a linha do tempo e a auditoria; esquece a
    contagem da fila quando entra ou sai de *Em análise*. Fora da tabela: ``TransicaoInvalida``.
    """
    de = solicitacao.status
    if para not in _TRANSICOES[de]:
        raise TransicaoInvalida(
            f"Uma solicitação {solicitacao.get_status_display().lower()} não pode ficar "
            f"{Status(para).label.lower()}."
        )
    solicitacao.status = para
    solicitacao.save(update_fields=["status", "updated_at"])
    if Status.EM_ANALISE in (de, para):
        transaction.on_commit(selectors.esquecer_contagem_da_fila)
    if Status.AGUARDANDO_ASSINATURA in (de, para):  # o menu "Assinaturas (n)"
        transaction.on_commit(selectors.esquecer_assinaturas_pendentes)
    TransicaoSolicitacao.objects.create(
        solicitacao=solicitacao, de=de, para=para, usuario=ator, motivo=motivo
    )
    registrar(
        f"solicitacao.{para}",
        objeto=solicitacao,
        ator=ator,
        ip=ip,
        descricao=motivo,
        antes={"status": de},
        depois={"status": para},
    )


# --- Documento: a tabela de status ------------------------------------------------------------
StatusDocumento = Documento.Status
_TRANSICOES_DOCUMENTO: dict[str, set[str]] = {
    StatusDocumento.EM_ANALISE: {
        StatusDocumento.APROVADO,
        StatusDocumento.REPROVADO,
        StatusDocumento.SUBSTITUIDO,
    },
    # outro documento da mesma obrigação foi aprovado
    StatusDocumento.APROVADO: {StatusDocumento.SUBSTITUIDO},
    StatusDocumento.REPROVADO: {StatusDocumento.SUBSTITUIDO},
    StatusDocumento.SUBSTITUIDO: set(),
}


def mudar_status_documento(
    documento: Documento,
    para: str,
    *,
    ator: Usuario | None = None,
    motivo: str = "",
    ip: str | None = None,
) -> None:
    """Único lugar que muda ``Documento.status`` (tabela acima), com auditoria.

    Grava só o status; o chamador grava os outros campos que mudou junto (parecer,
    parceiro, vencimento). Chamado dentro da transação de quem decide.
    """
    de = documento.status
    if para not in _TRANSICOES_DOCUMENTO[de]:
        de_rotulo = StatusDocumento(de).label.lower()
        para_rotulo = StatusDocumento(para).label.lower()
        raise TransicaoInvalida(f"Um documento {de_rotulo} não pode ficar {para_rotulo}.")
    documento.status = para
    if documento.pk:
        Documento.objects.filter(pk=documento.pk).update(status=para)
    registrar(
        f"documento.{para}",
        objeto=documento,
        ator=ator,
        descricao=motivo or documento.obrigacao.nome,
        antes={"status": de},
        depois={"status": para},
        ip=ip,
    )


def substituir_aprovados(
    parceiro: Parceiro, obrigacao: Obrigacao, *, ator: Usuario | None = None, ip: str | None = None
) -> None:
    """O aprovado atual da obrigação vai para o histórico (aprovado → substituído)."""
    anteriores = (
        Documento.objects.select_for_update()
        .select_related("obrigacao")
        .filter(parceiro=parceiro, obrigacao=obrigacao, status=StatusDocumento.APROVADO)
    )
    for anterior in anteriores:
        mudar_status_documento(
            anterior,
            StatusDocumento.SUBSTITUIDO,
            ator=ator,
            motivo="Novo documento aprovado",
            ip=ip,
        )


def _exigir_editavel(solicitacao: Solicitacao) -> None:
    if not solicitacao.editavel:
        raise TransicaoInvalida(
            "Esta solicitação não pode mais ser alterada "
            f"({solicitacao.get_status_display().lower()})."
        )


def link_absoluto(nome_url: str, *args: Any) -> str:
    """Endereço completo de uma página do portal, para os e-mails (deste módulo e da análise)."""
    base: str = settings.PORTAL_URL_BASE
    return base + reverse(nome_url, args=args)


# --- Criação ---------------------------------------------------------------------------------
def dados_da_receita(cnpj: str) -> receita.RegistroReceita:
    """Consulta a Receita e recusa o que não pode ser inscrito, com o motivo em português."""
    try:
        registro = receita.consultar_cnpj(cnpj)
    except receita.CNPJNaoEncontrado as erro:
        raise CNPJRecusado(
            "Este CNPJ não foi encontrado na Receita Federal. Confira os números.",
            code="nao_encontrado",
        ) from erro
    except receita.ReceitaIndisponivel as erro:
        raise CNPJRecusado(
            "Não foi possível consultar a Receita Federal agora. Nada foi salvo; tente de "
            "novo em alguns minutos.",
            code="indisponivel",
        ) from erro
    if not registro.ativa:
        raise CNPJRecusado(
            f"A Receita Federal informa este CNPJ como {registro.situacao_cadastral.lower()}. "
            "Só organizações com CNPJ ativo podem ser inscritas no CAGEC.",
            code="inativo",
        )
    natureza, _ = NaturezaJuridica.objects.get_or_create(
        codigo=registro.natureza_juridica_codigo,
        defaults={"descricao": registro.natureza_juridica_descricao or "—", "ativa": False},
    )
    if not selectors.tipos_permitidos(natureza).exists():
        raise CNPJRecusado(
            f"A natureza jurídica deste CNPJ ({natureza}) não corresponde a nenhum tipo de "
            "parceiro do CAGEC.",
            code="natureza",
        )
    return registro


def iniciar_inscricao(cnpj: str, *, ator: Usuario, ip: str | None = None) -> Solicitacao:
    """Cria o rascunho de Inscrição de Parceiro com os dados da Receita (travados).

    Pré-condição: CNPJ válido e ainda fora do CAGEC (quem está no CAGEC vai para a
    vinculação). Consulta a Receita antes de gravar: em qualquer falha nada é salvo.
    Um rascunho aberto da mesma pessoa para o mesmo CNPJ é reaproveitado.
    """
    cnpj = normalizar_cnpj(cnpj)
    if Parceiro.objects.filter(cnpj=cnpj).exists():
        raise CNPJRecusado("Esta organização já está no CAGEC.", code="existente")
    aberta = Solicitacao.objects.filter(
        solicitante=ator,
        cnpj=cnpj,
        tipo=Tipo.INSCRICAO,
        status__in=[Status.RASCUNHO, Status.DEVOLVIDA],
    ).first()
    if aberta:
        return aberta
    _conferir_rascunhos(ator)  # antes de consultar a Receita; de novo, travado, abaixo
    registro = dados_da_receita(cnpj)
    with transaction.atomic():
        _conferir_rascunhos(ator, travar=True)
        solicitacao = Solicitacao.objects.create(
            tipo=Tipo.INSCRICAO,
            solicitante=ator,
            cnpj=cnpj,
            dados={"receita": registro.como_dict()},
            passo="dados",
        )
        _iniciar(solicitacao, ator, ip)
    return solicitacao


def iniciar_atualizacao(
    parceiro: Parceiro, tipo: str, *, ator: Usuario, ip: str | None = None
) -> Solicitacao:
    """Rascunho de atualização (dados, documentos, vinculação de RL ou inscrição como RI).

    Reaproveita um rascunho aberto do mesmo tipo para o mesmo Parceiro. O RL que vai
    assinar é o RL atual (na vinculação, quem for indicado no passo do representante).
    """
    aberta = Solicitacao.objects.filter(
        solicitante=ator,
        parceiro=parceiro,
        tipo=tipo,
        status__in=[Status.RASCUNHO, Status.DEVOLVIDA],
    ).first()
    if aberta:
        return aberta
    if (
        tipo == Tipo.INSCRICAO_RI
        and Vinculo.objects.filter(parceiro=parceiro, usuario=ator, ativo=True).exists()
    ):
        raise CNPJRecusado("Você já está vinculado a esta organização.", code="vinculado")
    dados = {"contatos": _contatos(parceiro)} if tipo == Tipo.DADOS else {}
    rl = selectors.rl_atual(parceiro)
    with transaction.atomic():
        _conferir_rascunhos(ator, travar=True)
        solicitacao = Solicitacao.objects.create(
            tipo=tipo,
            solicitante=ator,
            parceiro=parceiro,
            cnpj=parceiro.cnpj,
            # O RL atual não foi indicado por CPF: não há o que aceitar.
            representante_legal=rl,
            representante_aceite_em=timezone.now() if rl else None,
            dados=dados,
            passo=selectors.PASSOS[tipo][0],
        )
        _iniciar(solicitacao, ator, ip)
    return solicitacao


def _travar_pessoa(usuario: Usuario) -> None:
    """Trava a linha da pessoa: serializa as cotas dela (rascunhos, envios) entre pedidos."""
    get_user_model().objects.select_for_update().filter(pk=usuario.pk).exists()


def _conferir_rascunhos(usuario: Usuario, *, travar: bool = False) -> None:
    """Recusa (``LimiteExcedido``) mais um rascunho para quem já tem o máximo em aberto."""
    if travar:
        _travar_pessoa(usuario)
    abertas = Solicitacao.objects.filter(
        solicitante=usuario, status__in=[Status.RASCUNHO, Status.DEVOLVIDA]
    ).count()
    conferir_rascunhos_abertos(abertas)


def _contatos(parceiro: Parceiro) -> dict[str, str]:
    return {
        "site": parceiro.site,
        "email_institucional": parceiro.email_institucional,
        "telefone": parceiro.telefone,
    }


def _iniciar(solicitacao: Solicitacao, usuario: Usuario, ip: str | None) -> None:
    TransicaoSolicitacao.objects.create(
        solicitacao=solicitacao, de="", para=Status.RASCUNHO, usuario=usuario
    )
    registrar(
        "solicitacao.criada",
        objeto=solicitacao,
        ator=usuario,
        ip=ip,
        descricao=f"{solicitacao.get_tipo_display()} {formatar_cnpj(solicitacao.cnpj)}",
    )


# --- Passos do assistente --------------------------------------------------------------------
def _salvar_passo(
    solicitacao: Solicitacao, usuario: Usuario, proximo: str, **dados: Any
) -> Solicitacao:
    with transaction.atomic():
        solicitacao = _travar(solicitacao)
        _exigir_editavel(solicitacao)
        solicitacao.dados = {**solicitacao.dados, **dados}
        solicitacao.passo = proximo
        solicitacao.save(update_fields=["dados", "passo", "updated_at"])
    return solicitacao


def salvar_dados(
    solicitacao: Solicitacao,
    *,
    ator: Usuario,
    tipo: TipoParceiro | None = None,
    site: str,
    email_institucional: str,
    telefone: str,
) -> Solicitacao:
    """Passo *dados*: tipo de parceiro (só na inscrição) e contatos editáveis."""
    contatos = {"site": site, "email_institucional": email_institucional, "telefone": telefone}
    extra = {"tipo_id": tipo.pk} if tipo is not None else {}
    return _salvar_passo(
        solicitacao, ator, _passo_seguinte(solicitacao, "dados"), contatos=contatos, **extra
    )


def atualizar_da_receita(solicitacao: Solicitacao, *, ator: Usuario) -> Solicitacao:
    """Atualização de dados: traz de novo os dados da Receita para comparar com o cadastro."""
    registro = dados_da_receita(solicitacao.cnpj)
    return _salvar_passo(solicitacao, ator, solicitacao.passo, receita=registro.como_dict())


def salvar_representante(
    solicitacao: Solicitacao,
    *,
    ator: Usuario,
    representante: Usuario,
    cargo: str,
    mandato_inicio: date,
    mandato_fim: date,
) -> Solicitacao:
    """Passo *representante*: quem é o RL (eu ou outra pessoa do portal), cargo e mandato.

    Trocar o RL zera o aceite: a pessoa indicada por CPF precisa aceitar (ou assinar) antes
    que quem a indicou veja o nome completo. Indicar a si mesmo vale como aceite.
    """
    rep = {
        "cargo": cargo,
        "mandato_inicio": mandato_inicio.isoformat(),
        "mandato_fim": mandato_fim.isoformat(),
    }
    with transaction.atomic():
        solicitacao = _travar(solicitacao)
        _exigir_editavel(solicitacao)
        if representante.pk != solicitacao.representante_legal_id:
            solicitacao.representante_legal = representante
            solicitacao.representante_aceite_em = (
                timezone.now() if representante.pk == solicitacao.solicitante_id else None
            )
        solicitacao.dados = {**solicitacao.dados, "representante": rep}
        solicitacao.passo = _passo_seguinte(solicitacao, "representante")
        solicitacao.save(
            update_fields=[
                "representante_legal",
                "representante_aceite_em",
                "dados",
                "passo",
                "updated_at",
            ]
        )
    return solicitacao


# --- Aceite da indicação de RL (issue #11) ----------------------------------------------------
_ACEITE_POSSIVEL = (Status.RASCUNHO, Status.AGUARDANDO_ASSINATURA, Status.DEVOLVIDA)


def _travar_indicacao(solicitacao: Solicitacao, usuario: Usuario) -> Solicitacao:
    solicitacao = _travar(solicitacao)
    if solicitacao.representante_legal_id != usuario.pk or solicitacao.status not in (
        _ACEITE_POSSIVEL
    ):
        raise TransicaoInvalida("Não há indicação sua pendente nesta solicitação.")
    return solicitacao


def aceitar_indicacao(
    solicitacao: Solicitacao, *, ator: Usuario, ip: str | None = None
) -> Solicitacao:
    """O RL indicado por CPF confirma que é o representante legal (rascunho, aguardando
    assinatura ou devolvida). Sem efeito se já aceitou. Daí em diante quem preparou a
    solicitação vê o nome completo; assinar a declaração também aceita."""
    with transaction.atomic():
        solicitacao = _travar_indicacao(solicitacao, ator)
        if solicitacao.representante_aceite_em is not None:
            return solicitacao
        registrar_aceite(solicitacao, ator=ator, ip=ip)
    return solicitacao


def registrar_aceite(solicitacao: Solicitacao, *, ator: Usuario, ip: str | None = None) -> None:
    """Grava o aceite (já travada, dentro da transação de quem chama: aceite ou assinatura)."""
    solicitacao.representante_aceite_em = timezone.now()
    solicitacao.save(update_fields=["representante_aceite_em", "updated_at"])
    registrar(
        "solicitacao.indicacao_aceita",
        objeto=solicitacao,
        ator=ator,
        ip=ip,
        descricao=f"Representante legal de {formatar_cnpj(solicitacao.cnpj)}",
    )


def recusar_indicacao(
    solicitacao: Solicitacao, *, ator: Usuario, ip: str | None = None
) -> Solicitacao:
    """O RL indicado por CPF recusa: a solicitação fica sem RL e volta ao passo do
    representante (aguardando assinatura → rascunho). Quem preparou recebe um e-mail com o
    nome abreviado e o CPF mascarado (nunca o nome completo). Só antes de aceitar."""
    with transaction.atomic():
        solicitacao = _travar_indicacao(solicitacao, ator)
        if not solicitacao.aguarda_aceite_do_rl:
            raise TransicaoInvalida(
                "Você já aceitou esta indicação. Para deixar de ser o representante legal, "
                "fale com quem preparou a solicitação."
            )
        motivo = "Indicação de representante legal recusada pela pessoa indicada"
        if solicitacao.status == Status.AGUARDANDO_ASSINATURA:
            transicionar(solicitacao, Status.RASCUNHO, ator=ator, ip=ip, motivo=motivo)
        solicitacao.representante_legal = None
        solicitacao.passo = "representante"
        solicitacao.save(update_fields=["representante_legal", "passo", "updated_at"])
        registrar(
            "solicitacao.indicacao_recusada",
            objeto=solicitacao,
            ator=ator,
            ip=ip,
            descricao=f"Representante legal de {formatar_cnpj(solicitacao.cnpj)}",
        )
        solicitante = solicitacao.solicitante
        enfileirar_email(
            "indicacao_recusada",
            solicitante.email,
            {
                "nome": solicitante.nome,
                "indicado": selectors.nome_protegido(ator),
                "solicitacao": str(solicitacao),
                "parceiro": solicitacao.nome_parceiro,
                "link": link_absoluto(
                    "parceiros:solicitacao_passo", solicitacao.pk, "representante"
                ),
            },
            usuario=solicitante,
        )
    return solicitacao


def salvar_cargo_ri(solicitacao: Solicitacao, *, ator: Usuario, cargo: str) -> Solicitacao:
    return _salvar_passo(solicitacao, ator, "revisao", responsavel={"cargo": cargo})


def _passo_seguinte(solicitacao: Solicitacao, atual: str) -> str:
    passos = selectors.PASSOS[solicitacao.tipo]
    return passos[min(passos.index(atual) + 1, len(passos) - 1)]


def _formato_aceito(
    solicitacao: Solicitacao, obrigacao: Obrigacao, arquivo: "File[Any]"
) -> tuple[str, str]:
    """(content_type, extensão) do arquivo, pelo conteúdo; recusa formato ou obrigação alheia."""
    formato: tuple[str, str] | None = tipo_pelo_conteudo(arquivo)
    if formato is None:
        raise ErroDeParceiros("O arquivo não é um PDF, PNG ou JPEG.", code="formato")
    if not selectors.obrigacoes_da_solicitacao(solicitacao).filter(pk=obrigacao.pk).exists():
        raise ErroDeParceiros("Esta obrigação não se aplica a esta solicitação.", code="obrigacao")
    return formato


def _tirar_anexo_anterior(
    solicitacao: Solicitacao, obrigacao: Obrigacao, *, ator: Usuario, ip: str | None = None
) -> None:
    """O anexo anterior da obrigação: analisado fica como substituído; senão, é apagado."""
    anterior = solicitacao.documentos_atuais.filter(obrigacao=obrigacao).first()
    if anterior and anterior.analisado_em:
        mudar_status_documento(
            anterior, StatusDocumento.SUBSTITUIDO, ator=ator, motivo="Trocado", ip=ip
        )
    elif anterior:
        _apagar_anexo(anterior)


def anexar_documento(
    solicitacao: Solicitacao,
    *,
    ator: Usuario,
    obrigacao: Obrigacao,
    arquivo: "File[Any]",
    data_emissao: date | None = None,
    data_validade: date | None = None,
    ip: str | None = None,
) -> Documento:
    """Guarda um arquivo (PDF, PNG ou JPEG pelo conteúdo) para uma Obrigação da solicitação.

    Troca o anexo anterior da mesma Obrigação nesta solicitação: se ninguém o analisou,
    ele é apagado; se já passou pela análise (solicitação devolvida), fica no histórico
    como substituído, com o parecer. O nome guardado é aleatório; o SHA-256 fica na linha.
    """
    content_type, extensao = _formato_aceito(solicitacao, obrigacao, arquivo)
    nome_original = nome_de_arquivo_enviado(arquivo.name)
    sha256 = sha256_do_arquivo(arquivo)
    arquivo.name = f"x{extensao}"  # o nome guardado vem de caminho_documento
    with transaction.atomic():
        solicitacao = _travar(solicitacao)
        _exigir_editavel(solicitacao)
        # Antes de gravar o arquivo: quem passou da cota não ocupa disco nenhum.
        _travar_pessoa(ator)
        conferir_cota_de_envio(ator, arquivo.size)
        _tirar_anexo_anterior(solicitacao, obrigacao, ator=ator, ip=ip)
        documento = Documento.objects.create(
            obrigacao=obrigacao,
            solicitacao=solicitacao,
            parceiro=solicitacao.parceiro,
            arquivo=arquivo,
            nome_original=nome_original,
            content_type=content_type,
            tamanho=arquivo.size,
            sha256=sha256,
            data_emissao=data_emissao,
            data_validade=data_validade,
            regra_validade=obrigacao.regra_validade,
            vence_em=Documento.vencimento(
                obrigacao, data_emissao=data_emissao, data_validade=data_validade
            ),
            enviado_por=ator,
        )
        solicitacao.save(update_fields=["updated_at"])
        registrar(
            "documento.anexado",
            objeto=documento,
            ator=ator,
            descricao=f"{obrigacao.nome} ({solicitacao})",
            depois={"sha256": sha256, "tamanho": arquivo.size},
            ip=ip,
        )
    return documento


class ArquivoRetido(NamedTuple):
    """O arquivo de um envio recusado só pelas datas, guardado sem ``Documento``.

    Sem JavaScript o navegador não devolve o arquivo escolhido; o portal o guarda e a
    página mostra "Arquivo já recebido". Se ninguém o usar, a varredura de arquivos órfãos
    o apaga depois da carência (``ARQUIVOS_ORFAOS_CARENCIA_HORAS``).
    """

    nome: str  # no armazenamento dos documentos
    nome_original: str
    tamanho: int


def reter_arquivo(
    solicitacao: Solicitacao,
    *,
    ator: Usuario,
    obrigacao: Obrigacao,
    arquivo: "File[Any]",
    ip: str | None = None,
) -> ArquivoRetido:
    """Guarda o arquivo de um envio cujas datas estavam erradas (nenhuma transição).

    Mesmas conferências de ``anexar_documento`` (formato pelo conteúdo, obrigação da
    checklist, solicitação editável, cota de envio); conta na cota como um envio.
    """
    _, extensao = _formato_aceito(solicitacao, obrigacao, arquivo)
    nome_original = nome_de_arquivo_enviado(arquivo.name)
    storage = Documento._meta.get_field("arquivo").storage
    with transaction.atomic():
        solicitacao = _travar(solicitacao)
        _exigir_editavel(solicitacao)
        _travar_pessoa(ator)
        conferir_cota_de_envio(ator, arquivo.size)
        nome = storage.save(caminho_documento(None, f"x{extensao}"), arquivo)
        registrar(
            "documento.retido",
            objeto=solicitacao,
            ator=ator,
            descricao=f"{obrigacao.nome} ({solicitacao}): datas a corrigir",
            depois={"tamanho": arquivo.size},
            ip=ip,
        )
    return ArquivoRetido(nome, nome_original, arquivo.size)


def anexar_arquivo_retido(
    solicitacao: Solicitacao,
    retido: ArquivoRetido,
    *,
    ator: Usuario,
    obrigacao: Obrigacao,
    data_emissao: date | None = None,
    data_validade: date | None = None,
    ip: str | None = None,
) -> Documento:
    """``anexar_documento`` com o arquivo guardado por ``reter_arquivo``; depois do commit,
    a cópia retida é apagada."""
    storage = Documento._meta.get_field("arquivo").storage
    with storage.open(retido.nome, "rb") as conteudo:
        documento = anexar_documento(
            solicitacao,
            ator=ator,
            obrigacao=obrigacao,
            arquivo=File(conteudo, name=retido.nome_original),
            data_emissao=data_emissao,
            data_validade=data_validade,
            ip=ip,
        )
    transaction.on_commit(lambda: storage.delete(retido.nome))
    return documento


def remover_documento(documento: Documento, *, ator: Usuario, ip: str | None = None) -> None:
    """Tira um anexo de uma solicitação editável (o já analisado fica como substituído)."""
    with transaction.atomic():
        assert documento.solicitacao is not None  # permissions: só anexos de solicitação
        solicitacao = _travar(documento.solicitacao)
        _exigir_editavel(solicitacao)
        registrar(
            "documento.removido", objeto=documento, ator=ator, descricao=str(documento), ip=ip
        )
        if documento.analisado_em:
            mudar_status_documento(
                documento, StatusDocumento.SUBSTITUIDO, ator=ator, motivo="Removido", ip=ip
            )
        else:
            _apagar_anexo(documento)


def _apagar_anexo(documento: Documento) -> None:
    arquivo = documento.arquivo
    documento.delete()
    nome = cast(str, arquivo.name)  # o arquivo é obrigatório no Documento
    transaction.on_commit(lambda: arquivo.storage.delete(nome))


# --- Envio, assinatura e análise ------------------------------------------------------------
def enviar_para_assinatura(
    solicitacao: Solicitacao, *, ator: Usuario, ip: str | None = None
) -> Solicitacao:
    """rascunho|devolvida → aguardando_assinatura. Avisa o RL quando não é quem preparou."""
    with transaction.atomic():
        solicitacao = _travar(solicitacao)
        faltas = selectors.pendencias(solicitacao)
        if faltas:
            raise SolicitacaoIncompleta(faltas)
        transicionar(solicitacao, Status.AGUARDANDO_ASSINATURA, ator=ator, ip=ip)
        rl = solicitacao.representante_legal
        assert rl is not None  # selectors.pendencias() recusa solicitação sem RL
        if rl != ator:
            _avisar_etapa(
                "assinatura_pendente",
                solicitacao,
                rl,
                solicitante=ator.nome,
                link=link_absoluto("declaracoes:assinaturas"),
            )
    return solicitacao


def reabrir(solicitacao: Solicitacao, *, ator: Usuario, ip: str | None = None) -> Solicitacao:
    """aguardando_assinatura → rascunho, antes da assinatura, para corrigir algo.

    A assinatura do RL leva a solicitação para *Em análise* (``encaminhar_assinada``): uma
    solicitação ainda *aguardando assinatura* não foi assinada, e a tabela basta.
    """
    with transaction.atomic():
        solicitacao = _travar(solicitacao)
        transicionar(solicitacao, Status.RASCUNHO, ator=ator, ip=ip, motivo="Reaberta para edição")
    return solicitacao


MOTIVO_ASSINADA = (
    "Declaração de autenticidade assinada pelo representante legal; "
    "solicitação enviada para análise."
)


def encaminhar_assinada(
    solicitacao: Solicitacao, *, ator: Usuario, ip: str | None = None
) -> Solicitacao:
    """aguardando_assinatura → em_analise, no ato da assinatura do RL.

    Só ``declaracoes.services.assinar`` chama, na mesma transação em que grava a declaração
    do RL (``ator``): assinar é o último ato, e quem preparou já pediu o envio ao mandar para
    assinatura. Grava ``enviada_em`` e avisa solicitante e RL com a previsão da análise.
    """
    with transaction.atomic():
        solicitacao = _travar(solicitacao)
        if solicitacao.representante_legal_id != ator.pk:
            raise TransicaoInvalida("Só a assinatura do representante legal envia para análise.")
        solicitacao.enviada_em = timezone.now()
        transicionar(solicitacao, Status.EM_ANALISE, ator=ator, ip=ip, motivo=MOTIVO_ASSINADA)
        solicitacao.save(update_fields=["enviada_em", "updated_at"])
        for pessoa in {solicitacao.solicitante, ator}:
            _avisar_etapa("solicitacao_em_analise", solicitacao, pessoa)
    return solicitacao


def _avisar_etapa(evento: str, solicitacao: Solicitacao, pessoa: Usuario, **extra: Any) -> None:
    """E-mail do ciclo de vida: o mesmo rótulo, próxima ação e quem age que as páginas."""
    etapa = selectors.etapa_da_solicitacao(solicitacao, pessoa)
    enfileirar_email(
        evento,
        pessoa.email,
        {
            "nome": pessoa.nome,
            "solicitacao": str(solicitacao),
            "parceiro": solicitacao.nome_parceiro,
            "etapa": etapa.para_email(),
            "link": link_absoluto("parceiros:solicitacao_detail", solicitacao.pk),
            **extra,
        },
        usuario=pessoa,
    )


def cancelar(solicitacao: Solicitacao, *, ator: Usuario, ip: str | None = None) -> Solicitacao:
    """rascunho|devolvida → cancelada, pelo solicitante; os arquivos anexados são apagados."""
    with transaction.atomic():
        solicitacao = _travar(solicitacao)
        transicionar(solicitacao, Status.CANCELADA, ator=ator, ip=ip, motivo="Cancelada")
        _apagar_arquivos(solicitacao, ator=ator, ip=ip)
    return solicitacao


def _apagar_arquivos(
    solicitacao: Solicitacao, *, ator: Usuario | None = None, ip: str | None = None
) -> int:
    """Apaga do armazenamento, depois do commit, os arquivos de uma solicitação cancelada.

    As linhas de ``Documento`` ficam (sem arquivo): a linha do tempo e a auditoria continuam
    dizendo o que foi enviado, com nome, tamanho e SHA-256, sem guardar o conteúdo (dados
    pessoais) de um pedido que não vai ser analisado. Um aprovado nunca está numa solicitação
    cancelável; o filtro só protege a pasta digital de um erro de estado.
    """
    documentos = solicitacao.documentos.exclude(arquivo="").exclude(status=StatusDocumento.APROVADO)
    nomes = list(documentos.values_list("arquivo", flat=True))
    if not nomes:
        return 0
    documentos.update(arquivo="")
    storage = Documento._meta.get_field("arquivo").storage

    def apagar() -> None:
        for nome in nomes:
            try:
                storage.delete(nome)
            except OSError:  # fica para a varredura de órfãos
                log.warning("Não foi possível apagar %s; a varredura tenta de novo", nome)

    transaction.on_commit(apagar)
    registrar(
        "solicitacao.arquivos_apagados",
        objeto=solicitacao,
        ator=ator,
        ip=ip,
        descricao=f"{len(nomes)} arquivo(s) apagado(s) no cancelamento",
    )
    return len(nomes)


# --- Rascunhos parados (rotina noturna) -----------------------------------------------------
def _inicio_do_dia(dia: date) -> datetime:
    return timezone.make_aware(datetime.combine(dia, time.min))


# Ainda não avisada neste período parado (o aviso de antes de uma alteração não vale).
_SEM_AVISO_NO_PERIODO = Q(aviso_inatividade_em__isnull=True) | Q(
    aviso_inatividade_em__lt=F("updated_at")
)


def _parados(dias: int, dia: date) -> QuerySet[Solicitacao]:
    """Rascunhos e devolvidas sem alteração desde antes de ``dia - dias`` (em dias inteiros)."""
    return Solicitacao.objects.filter(
        status__in=[Status.RASCUNHO, Status.DEVOLVIDA],
        updated_at__lt=_inicio_do_dia(dia - timedelta(days=dias - 1)),
    )


def expirar_rascunhos(dia: date | None = None) -> dict[str, int]:
    """Rotina noturna: avisa e depois cancela rascunhos e devolvidas parados.

    Com ``RASCUNHO_DIAS_SEM_ALTERACAO`` (30) dias sem alteração e um aviso por e-mail enviado
    há pelo menos ``RASCUNHO_AVISO_DIAS_ANTES`` (7) dias no mesmo período parado, a
    solicitação é cancelada (rascunho|devolvida → cancelada, sem ator) e os arquivos são
    apagados. O aviso sai quando faltam 7 dias, uma vez por período parado (a data do aviso
    fica na linha, gravada sem mexer em ``updated_at``): rodar de novo não repete e-mail.
    Quem não recebeu aviso (rotina parada) recebe agora e tem 7 dias. Devolve as contagens.
    """
    dia = dia or timezone.localdate()
    total_dias = settings.RASCUNHO_DIAS_SEM_ALTERACAO
    antes = settings.RASCUNHO_AVISO_DIAS_ANTES
    avisado_ha = _inicio_do_dia(dia - timedelta(days=antes - 1))
    cancelar_ids = list(
        _parados(total_dias, dia)
        .filter(aviso_inatividade_em__gte=F("updated_at"), aviso_inatividade_em__lt=avisado_ha)
        .values_list("pk", flat=True)
    )
    cancelados = sum(_cancelar_parado(pk, dia) for pk in cancelar_ids)
    avisar_ids = list(
        _parados(total_dias - antes, dia).filter(_SEM_AVISO_NO_PERIODO).values_list("pk", flat=True)
    )
    avisados = sum(_avisar_parado(pk, dia) for pk in avisar_ids)
    return {"avisados": avisados, "cancelados": cancelados}


def _avisar_parado(pk: int, dia: date) -> int:
    with transaction.atomic():
        solicitacao = Solicitacao.objects.select_for_update().filter(pk=pk).first()
        total_dias = settings.RASCUNHO_DIAS_SEM_ALTERACAO
        antes = settings.RASCUNHO_AVISO_DIAS_ANTES
        ainda = _parados(total_dias - antes, dia).filter(_SEM_AVISO_NO_PERIODO, pk=pk)
        if solicitacao is None or not ainda.exists():
            return 0  # outra rodada já avisou, ou a pessoa mexeu nela
        agora = timezone.now()
        ultima = timezone.localtime(solicitacao.updated_at).date()
        cancela_em = max(ultima + timedelta(days=total_dias), dia + timedelta(days=antes))
        Solicitacao.objects.filter(pk=pk).update(aviso_inatividade_em=agora)
        registrar(
            "solicitacao.aviso_inatividade",
            objeto=solicitacao,
            usuario_afetado=solicitacao.solicitante,
            descricao=f"Cancelamento previsto para {cancela_em:%d/%m/%Y}",
        )
        _avisar_etapa(
            "rascunho_parado",
            solicitacao,
            solicitacao.solicitante,
            dias=total_dias,
            cancela_em=cancela_em.strftime("%d/%m/%Y"),
        )
    return 1


def _cancelar_parado(pk: int, dia: date) -> int:
    total_dias = settings.RASCUNHO_DIAS_SEM_ALTERACAO
    with transaction.atomic():
        solicitacao = Solicitacao.objects.select_for_update().filter(pk=pk).first()
        if solicitacao is None or not _parados(total_dias, dia).filter(pk=pk).exists():
            return 0
        if not solicitacao.aviso_inatividade_em or (
            solicitacao.aviso_inatividade_em < solicitacao.updated_at
        ):
            return 0
        motivo = f"Cancelada automaticamente: {total_dias} dias sem alteração"
        transicionar(solicitacao, Status.CANCELADA, ator=None, motivo=motivo)
        _apagar_arquivos(solicitacao)
        _avisar_etapa("rascunho_cancelado", solicitacao, solicitacao.solicitante, dias=total_dias)
    return 1


# --- Responsáveis pelas Informações (pelo RL) -----------------------------------------------
def incluir_responsavel(
    parceiro: Parceiro,
    pessoa: Usuario,
    *,
    ator: Usuario,
    cargo: str = "",
    ip: str | None = None,
    avisar: bool = True,
) -> Vinculo:
    """RL inclui um RI já cadastrado no portal. Imediato, auditado, e-mail ao RI.

    O RI incluído pelo RL (pelo CPF) confirma ou recusa no painel; até confirmar, os outros
    veem só o nome abreviado e o CPF mascarado. Também usado na aprovação de uma Inscrição
    como RI (``ator`` é então o analista, o aviso é o e-mail da decisão, por isso
    ``avisar=False``, e a própria pessoa pediu: o vínculo já nasce confirmado).
    """
    if pessoa == ator:
        raise ErroDeParceiros("Você já é o representante legal desta organização.")
    try:
        with transaction.atomic():
            vinculo = Vinculo.objects.create(
                usuario=pessoa,
                parceiro=parceiro,
                papel=Vinculo.Papel.RI,
                cargo=cargo,
                criado_por=ator,
                aceito_em=None if avisar else timezone.now(),
            )
            registrar(
                "vinculo.ri_incluido",
                objeto=vinculo,
                ator=ator,
                usuario_afetado=pessoa,
                ip=ip,
                descricao=f"RI incluído em {parceiro.cnpj_formatado}",
            )
            if avisar:
                _avisar_responsavel("responsavel_incluido", vinculo, ator)
    except IntegrityError as erro:
        raise ErroDeParceiros("Esta pessoa já é responsável por esta organização.") from erro
    return vinculo


def remover_responsavel(vinculo: Vinculo, *, ator: Usuario, ip: str | None = None) -> Vinculo:
    """RL encerra o vínculo de um RI (fica no histórico)."""
    with transaction.atomic():
        vinculo = Vinculo.objects.select_for_update().get(pk=vinculo.pk)
        if not vinculo.ativo:
            return vinculo
        vinculo.ativo = False
        vinculo.encerrado_em = timezone.now()
        vinculo.encerrado_por = ator
        vinculo.save(update_fields=["ativo", "encerrado_em", "encerrado_por"])
        registrar(
            "vinculo.ri_removido",
            objeto=vinculo,
            ator=ator,
            usuario_afetado=vinculo.usuario,
            ip=ip,
            descricao=f"RI removido de {vinculo.parceiro.cnpj_formatado}",
        )
        _avisar_responsavel("responsavel_removido", vinculo, ator)
    return vinculo


def _travar_inclusao(vinculo: Vinculo, usuario: Usuario) -> Vinculo:
    vinculo = Vinculo.objects.select_for_update().select_related("parceiro").get(pk=vinculo.pk)
    if vinculo.usuario_id != usuario.pk or vinculo.papel != Vinculo.Papel.RI:
        raise TransicaoInvalida("Não há inclusão sua pendente neste vínculo.")
    if not vinculo.ativo or vinculo.aceito_em is not None:
        raise TransicaoInvalida("Esta inclusão já foi respondida.")
    return vinculo


def confirmar_responsavel(vinculo: Vinculo, *, ator: Usuario, ip: str | None = None) -> Vinculo:
    """O RI incluído pelo RL confirma o vínculo: daí em diante o nome aparece completo."""
    with transaction.atomic():
        vinculo = _travar_inclusao(vinculo, ator)
        vinculo.aceito_em = timezone.now()
        vinculo.save(update_fields=["aceito_em"])
        registrar(
            "vinculo.ri_confirmado",
            objeto=vinculo,
            ator=ator,
            usuario_afetado=ator,
            ip=ip,
            descricao=f"RI confirmado em {vinculo.parceiro.cnpj_formatado}",
        )
    return vinculo


def recusar_responsavel(vinculo: Vinculo, *, ator: Usuario, ip: str | None = None) -> Vinculo:
    """O RI incluído pelo RL recusa: o vínculo é encerrado e o RL recebe um e-mail com o
    nome abreviado e o CPF mascarado de quem recusou."""
    with transaction.atomic():
        vinculo = _travar_inclusao(vinculo, ator)
        vinculo.ativo = False
        vinculo.encerrado_em = timezone.now()
        vinculo.encerrado_por = ator
        vinculo.save(update_fields=["ativo", "encerrado_em", "encerrado_por"])
        registrar(
            "vinculo.ri_recusado",
            objeto=vinculo,
            ator=ator,
            usuario_afetado=ator,
            ip=ip,
            descricao=f"RI recusou a inclusão em {vinculo.parceiro.cnpj_formatado}",
        )
        rl = vinculo.criado_por
        if rl is not None:
            enfileirar_email(
                "responsavel_recusou",
                rl.email,
                {
                    "nome": rl.nome,
                    "indicado": selectors.nome_protegido(ator),
                    "parceiro": vinculo.parceiro.razao_social,
                    "cnpj": vinculo.parceiro.cnpj_formatado,
                    "link": link_absoluto("parceiros:responsaveis", vinculo.parceiro.cnpj),
                },
                usuario=rl,
            )
    return vinculo


def _avisar_responsavel(evento: str, vinculo: Vinculo, rl: Usuario) -> None:
    enfileirar_email(
        evento,
        vinculo.usuario.email,
        {
            "nome": vinculo.usuario.nome,
            "rl": rl.nome,
            "parceiro": vinculo.parceiro.razao_social,
            "cnpj": vinculo.parceiro.cnpj_formatado,
            "link": link_absoluto("accounts:painel"),
        },
        usuario=vinculo.usuario,
    )


class NovoRL(NamedTuple):
    """Um RL a vincular por ``vincular_rls_em_massa``."""

    parceiro_id: int
    usuario_id: int
    cargo: str
    mandato_inicio: date | None
    mandato_fim: date | None


def vincular_rl(
    parceiro: Parceiro,
    pessoa: Usuario,
    *,
    cargo: str,
    mandato_inicio: date,
    mandato_fim: date,
    ator: Usuario | None = None,
    ip: str | None = None,
) -> Vinculo:
    """Torna ``pessoa`` o RL ativo, encerrando o anterior (aprovação, demo).

    A regra é a de ``vincular_rls_em_massa`` (a mesma da importação), para um Parceiro; depois
    recalcula a situação dele (documentos que vencem com o mandato).
    """
    with transaction.atomic():
        ids = vincular_rls_em_massa(
            [NovoRL(parceiro.pk, pessoa.pk, cargo, mandato_inicio, mandato_fim)],
            ator=ator,
            ip=ip,
            descricao=f"RL de {parceiro.cnpj_formatado}",
        )
        vinculo = Vinculo.objects.get(pk=ids[parceiro.pk])
        situacao.recalcular(parceiro, motivo="Representante legal alterado")
    return vinculo


def _encerrar_vinculos_trocados(
    pessoa_de: dict[int, int], *, ator: Usuario | None, agora: datetime
) -> set[int]:
    """Encerra o RL ativo e o vínculo ativo da própria pessoa em cada Parceiro (já travado).

    Devolve os Parceiros que tinham outro RL (o RI que vira RL só perde o vínculo de RI).
    """
    encerrar, substituidos = [], set()
    for pk, parceiro_id, usuario_id, papel in Vinculo.objects.filter(
        parceiro_id__in=list(pessoa_de), ativo=True
    ).values_list("pk", "parceiro_id", "usuario_id", "papel"):
        if papel == Vinculo.Papel.RL:
            substituidos.add(parceiro_id)
        if papel == Vinculo.Papel.RL or usuario_id == pessoa_de[parceiro_id]:
            encerrar.append(pk)
    if encerrar:
        Vinculo.objects.filter(pk__in=encerrar).update(
            ativo=False, encerrado_em=agora, encerrado_por=ator
        )
    return substituidos


def _passar_pedidos_abertos_ao_rl(parceiro_ids: list[int]) -> None:
    """Pedidos abertos que o RL da organização assina passam a esperar o RL ativo agora."""
    Solicitacao.objects.filter(
        parceiro_id__in=parceiro_ids,
        tipo__in=[Tipo.DADOS, Tipo.DOCUMENTOS, Tipo.INSCRICAO_RI],
        status__in=[Status.RASCUNHO, Status.AGUARDANDO_ASSINATURA, Status.DEVOLVIDA],
    ).update(
        representante_legal=Subquery(
            Vinculo.objects.filter(
                parceiro_id=OuterRef("parceiro_id"), papel=Vinculo.Papel.RL, ativo=True
            ).values("usuario_id")[:1]
        )
    )


def _inserir_rls(novos: list[NovoRL], *, ator: Usuario | None) -> dict[int, int]:
    """Cria os vínculos de RL (COPY no PostgreSQL); devolve {parceiro_id: id do vínculo}."""
    autenticado = ator is not None and getattr(ator, "is_authenticated", False)
    ator_id = ator.pk if ator is not None and autenticado else None
    copia.inserir(
        Vinculo,
        ("usuario_id", "parceiro_id", "papel", "cargo", "mandato_inicio", "mandato_fim")
        + ("criado_por_id",),
        (
            (novo.usuario_id, novo.parceiro_id, Vinculo.Papel.RL.value)
            + (novo.cargo, novo.mandato_inicio, novo.mandato_fim, ator_id)
            for novo in novos
        ),
    )
    return dict(
        Vinculo.objects.filter(
            parceiro_id__in=[novo.parceiro_id for novo in novos],
            papel=Vinculo.Papel.RL,
            ativo=True,
        ).values_list("parceiro_id", "pk")
    )


def vincular_rls_em_massa(
    novos: Iterable[NovoRL],
    *,
    ator: Usuario | None,
    descricao: str,
    so_substituicoes: bool = False,
    ip: str | None = None,
) -> dict[int, int]:
    """Torna cada pessoa de ``novos`` (``NovoRL``) o RL ativo do seu Parceiro, de uma vez.

    A única casa da troca de RL (``vincular_rl`` e a importação): trava os Parceiros (em
    ordem, sem impasse entre cargas), encerra o RL ativo e o vínculo ativo da própria pessoa
    no Parceiro (o RI que vira RL deixa de ser RI), cria os vínculos novos (COPY no
    PostgreSQL) e passa os pedidos abertos que o RL assina (dados, documentos, inscrição de
    RI) para o novo RL. Auditoria ``vinculo.rl`` para cada vínculo criado ou, com
    ``so_substituicoes``, só onde havia outro RL (a primeira carga não gera uma linha por
    organização). No máximo um por Parceiro. Não recalcula a situação: quem chama recalcula
    (um Parceiro) ou marca os alterados (lote). Devolve {parceiro_id: id do vínculo novo}.
    """
    novos = list(novos)
    if not novos:
        return {}
    pessoa_de = {novo.parceiro_id: novo.usuario_id for novo in novos}
    if len(pessoa_de) != len(novos):
        raise ValueError("Um RL novo por Parceiro.")
    ids = sorted(pessoa_de)
    agora = timezone.now()
    with transaction.atomic():
        list(Parceiro.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
        substituidos = _encerrar_vinculos_trocados(pessoa_de, ator=ator, agora=agora)
        criados = _inserir_rls(novos, ator=ator)
        _passar_pedidos_abertos_ao_rl(ids)
        auditar = substituidos if so_substituicoes else ids
        registrar_em_massa(
            [
                montar(
                    "vinculo.rl",
                    objeto=Vinculo(pk=criados[parceiro_id]),
                    ator=ator,
                    usuario_afetado=get_user_model()(pk=pessoa_de[parceiro_id]),
                    ip=ip,
                    descricao=descricao,
                )
                for parceiro_id in sorted(auditar)
            ]
        )
    return criados


def atualizar_mandatos_em_massa(
    alteracoes: Sequence[tuple[Any, ...]], *, ator: Usuario | None = None, ip: str | None = None
) -> int:
    """Atualiza cargo e mandato de RLs ativos vindos de uma carga (a mesma pessoa continua RL).

    ``alteracoes``: (vinculo_id, usuario_id, antes, depois), ``antes``/``depois`` como
    (cargo, início, fim). Audita ``vinculo.importacao_atualizado`` com antes/depois. A
    situação (documentos que vencem com o mandato) fica com quem chama. Devolve quantos.
    """
    alteracoes = list(alteracoes)
    if not alteracoes:
        return 0
    campos = ("cargo", "mandato_inicio", "mandato_fim")
    with transaction.atomic():
        Vinculo.objects.bulk_update(
            [
                Vinculo(pk=pk, **dict(zip(campos, depois, strict=True)))
                for pk, _, _, depois in alteracoes
            ],
            list(campos),
            batch_size=500,
        )
        registrar_em_massa(
            [
                montar(
                    "vinculo.importacao_atualizado",
                    objeto=Vinculo(pk=pk),
                    ator=ator,
                    usuario_afetado=get_user_model()(pk=usuario_id),
                    descricao="Cargo ou mandato atualizado pela importação",
                    antes={c: str(v) for c, v in zip(campos, antes, strict=True)},
                    depois={c: str(v) for c, v in zip(campos, depois, strict=True)},
                    ip=ip,
                )
                for pk, usuario_id, antes, depois in alteracoes
            ]
        )
    return len(alteracoes)


# --- Parceiro --------------------------------------------------------------------------------
def campos_da_receita(registro: receita.RegistroReceita) -> dict[str, Any]:
    """Campos do Parceiro vindos da Receita (cadastro e atualização de dados aprovada).

    Cria a Natureza Jurídica desconhecida (inativa) para o Parceiro poder apontar para ela.
    """
    natureza, _ = NaturezaJuridica.objects.get_or_create(
        codigo=registro.natureza_juridica_codigo,
        defaults={"descricao": registro.natureza_juridica_descricao or "—", "ativa": False},
    )
    return {
        "razao_social": registro.razao_social,
        "nome_fantasia": registro.nome_fantasia,
        "natureza_juridica": natureza,
        "situacao_cadastral": registro.situacao_cadastral,
        "data_abertura": registro.data_abertura,
        "cnae_principal": registro.cnae_principal,
        "logradouro": registro.logradouro,
        "numero": registro.numero,
        "complemento": registro.complemento,
        "bairro": registro.bairro,
        "cep": registro.cep,
        "municipio": registro.municipio,
        "uf": registro.uf,
        "email_receita": registro.email,
        "telefone_receita": registro.telefone,
        "receita_consultada_em": timezone.now(),
        "receita_bruto": registro.bruto,
    }


def cadastrar_parceiro(
    registro: receita.RegistroReceita,
    tipo: TipoParceiro,
    *,
    contatos: dict[str, str] | None = None,
    ator: Usuario | None = None,
    ip: str | None = None,
) -> Parceiro:
    """Cria o Parceiro ativo com o próximo número de cadastro (aprovação, importação, demo).

    O número vem de ``reservar_numeros_cadastro`` (a mesma reserva da importação).
    """
    with transaction.atomic():
        parceiro = Parceiro.objects.create(
            cnpj=registro.cnpj,
            tipo=tipo,
            numero_cadastro=reservar_numeros_cadastro(1),
            **(contatos or {}),
            **campos_da_receita(registro),
        )
        registrar(
            "parceiro.cadastrado",
            objeto=parceiro,
            ator=ator,
            ip=ip,
            descricao=f"{parceiro.razao_social} ({parceiro.cnpj_formatado})",
        )
        situacao.recalcular(parceiro, motivo="Cadastro")
        parceiro.refresh_from_db()
    return parceiro


class DadosDeCarga(NamedTuple):
    """Os dados de uma organização numa carga do Estado (importação)."""

    razao_social: str
    natureza_juridica_id: int
    tipo_id: int
    municipio: str
    uf: str


_CAMPOS_DA_CARGA = ("razao_social", "natureza_juridica", "tipo", "municipio", "uf")
_COLUNAS_DA_CARGA = (
    *("razao_social", "natureza_juridica_id", "tipo_id", "municipio", "uf"),
    *("busca_nome", "busca_municipio"),
)


def _campos_de_carga(dados: DadosDeCarga) -> dict[str, Any]:
    """Os campos do Parceiro que vêm de uma carga, com os textos de busca."""
    busca = Parceiro.textos_de_busca(dados.razao_social, "", dados.municipio)
    return dict(zip(_COLUNAS_DA_CARGA, (*dados, *busca), strict=True))


def cadastrar_parceiros_em_massa(
    novos: dict[str, DadosDeCarga], *, agora: datetime | None = None
) -> dict[str, int]:
    """Cadastra de uma vez (COPY no PostgreSQL) organizações ativas vindas de uma carga.

    ``novos``: {cnpj: ``DadosDeCarga``} de CNPJs ainda sem cadastro. Cada uma recebe o próximo
    número de ``reservar_numeros_cadastro`` (a numeração da aprovação) e entra ativa; o
    registro do sistema anterior do Estado vale pela consulta à Receita. A situação é
    recalculada por quem chama, por Tipo, no fim da carga. Devolve {cnpj: pk}.
    """
    if not novos:
        return {}
    agora = agora or timezone.now()
    with transaction.atomic():
        primeiro = reservar_numeros_cadastro(len(novos))
        campos = ("cnpj", "numero_cadastro", "situacao_cadastral", "receita_consultada_em")
        copia.inserir(
            Parceiro,
            campos + _COLUNAS_DA_CARGA,
            (
                (cnpj, primeiro + i, "ATIVA", agora, *_campos_de_carga(dados).values())
                for i, (cnpj, dados) in enumerate(novos.items())
            ),
        )
        return dict(Parceiro.objects.filter(cnpj__in=list(novos)).values_list("cnpj", "pk"))


def atualizar_parceiros_em_massa(
    alteracoes: Sequence[tuple[Any, ...]],
    *,
    ator: Usuario | None = None,
    agora: datetime | None = None,
    ip: str | None = None,
) -> int:
    """Atualiza de uma vez os dados de organizações vindos de uma carga (importação de novo).

    ``alteracoes``: (pk, cnpj, antes, depois), ``antes``/``depois`` como ``DadosDeCarga``.
    Grava razão social, natureza, Tipo, município e UF (com os textos de busca) e audita
    ``parceiro.importacao_atualizado`` com antes/depois. A situação e o CRC do dia ficam com
    quem chama (um lote marca todos os alterados de uma vez). Devolve quantas.
    """
    alteracoes = list(alteracoes)
    if not alteracoes:
        return 0
    agora = agora or timezone.now()
    objetos = [
        Parceiro(pk=pk, updated_at=agora, **_campos_de_carga(depois))
        for pk, _, _, depois in alteracoes
    ]
    with transaction.atomic():
        Parceiro.objects.bulk_update(
            objetos,
            [*_CAMPOS_DA_CARGA, "busca_nome", "busca_municipio", "updated_at"],
            batch_size=500,
        )
        registrar_em_massa(
            [
                montar(
                    "parceiro.importacao_atualizado",
                    objeto=objeto,
                    ator=ator,
                    descricao=f"{formatar_cnpj(cnpj)}: dados da importação",
                    antes=dict(zip(_CAMPOS_DA_CARGA, antes, strict=True)),
                    depois=dict(zip(_CAMPOS_DA_CARGA, depois, strict=True)),
                    ip=ip,
                )
                for objeto, (_, cnpj, antes, depois) in zip(objetos, alteracoes, strict=True)
            ]
        )
    return len(objetos)


def reservar_numeros_cadastro(quantos: int) -> int:
    """Reserva ``quantos`` números de cadastro seguidos e devolve o primeiro.

    A única casa da numeração (aprovação e importação). A ``Sequencia`` fica travada até o
    fim da transação de quem chama: duas aprovações, ou uma aprovação e um lote da
    importação, esperam uma pela outra e recebem números seguidos, sem repetir. O maior
    número já usado também conta (cargas antigas que gravaram o número direto).
    """
    if quantos < 1:
        raise ValueError("Reserve ao menos um número de cadastro.")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A reserva de números de cadastro precisa de uma transação.")
    Sequencia.objects.get_or_create(nome="numero_cadastro")
    sequencia = Sequencia.objects.select_for_update().get(nome="numero_cadastro")
    maior = Parceiro.objects.aggregate(m=Max("numero_cadastro"))["m"] or 0
    primeiro = max(sequencia.ultimo, maior) + 1
    sequencia.ultimo = primeiro + quantos - 1
    sequencia.save(update_fields=["ultimo"])
    return primeiro


CAMPOS_DA_ADMINISTRACAO = {
    "tipo",
    "site",
    "email_institucional",
    "telefone",
    "situacao_mrosc",
    "cadin_bloqueado",
    "siafi_bloqueado",
    "motivo_impedimento",
}


def alterar_pela_administracao(
    parceiro: Parceiro, *, ator: Usuario, ip: str | None = None, **campos: object
) -> Parceiro:
    """A equipe do Estado altera campos mantidos por ela (MROSC, CADIN-MG, SIAFI-MG...).

    Só os campos permitidos; grava antes/depois na auditoria e recalcula a situação. Quem é
    RL ou RI ativo do Parceiro não altera (separação de funções): ``ConflitoDeInteresse``.
    """
    desconhecidos = set(campos) - CAMPOS_DA_ADMINISTRACAO
    if desconhecidos:
        raise ErroDeParceiros(f"Campos que a administração não altera: {sorted(desconhecidos)}")
    if not campos:
        return parceiro
    if ator is not None and permissions.tem_vinculo_ativo(ator, parceiro.pk):
        registrar(
            "parceiro.alteracao_recusada_conflito",
            objeto=parceiro,
            ator=ator,
            ip=ip,
            descricao=f"{parceiro.cnpj_formatado}: {', '.join(sorted(campos))}",
        )
        raise ConflitoDeInteresse(CONFLITO_NO_PARCEIRO)
    with transaction.atomic():
        atual = Parceiro.objects.select_for_update().get(pk=parceiro.pk)
        antes = {c: str(getattr(atual, c)) for c in campos}
        impedimento = (atual.cadin_bloqueado, atual.siafi_bloqueado)
        for campo, valor in campos.items():
            setattr(atual, campo, valor)
        atual.save(update_fields=[*campos, "updated_at"])
        registrar(
            "parceiro.alterado_pela_administracao",
            objeto=atual,
            ator=ator,
            ip=ip,
            descricao=f"{atual.cnpj_formatado}: {', '.join(sorted(campos))}",
            antes=antes,
            depois={c: str(getattr(atual, c)) for c in campos},
        )
        situacao.recalcular(atual, motivo="Alteração pela administração")
        if impedimento != (atual.cadin_bloqueado, atual.siafi_bloqueado):  # webhooks (api)
            ganchos.impedimento_alterado(Parceiro.objects.filter(pk=atual.pk))
        atual.refresh_from_db()
    return atual


def catalogo_alterado(tipo_ids: Iterable[int | str]) -> bool:
    """Obrigação criada, editada ou com outros Tipos no admin.

    Depois do commit, agenda o recálculo dos Parceiros desses Tipos (situação e CRC do
    dia). Fila fora do ar: a rotina noturna recalcula a situação. Devolve se agendou.
    """
    ids = sorted({int(i) for i in tipo_ids})
    if not ids:
        return False

    # Sem fila, a rotina noturna recalcula a situação.
    fila.publicar_depois_do_commit(tasks.recalcular_tipos, [ids])
    return True
