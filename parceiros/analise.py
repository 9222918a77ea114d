"""Análise pela equipe do CAGEC: decidir uma solicitação e aplicar a mudança aprovada.

``decidir`` é a única porta: trava a solicitação (dois analistas ao mesmo tempo: o
segundo espera a trava e recebe "já foi decidida"), grava o parecer de cada documento,
aplica a mudança numa transação (Parceiro novo com número de cadastro, documentos na
pasta digital substituindo os anteriores, vínculos, dados da Receita e contatos),
recalcula a situação e manda o e-mail da decisão ao solicitante e ao RL.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import Usuario
from accounts.services import confirmar_cpf
from cagec.lib.auditoria import registrar
from cagec.lib.emails import enfileirar_email

from . import permissions, receita, selectors, services, situacao
from .catalogos import semente
from .erros import ErroDeParceiros
from .models import Documento, Obrigacao, Parceiro, Solicitacao, TipoParceiro, Vinculo

Status = Solicitacao.Status
Tipo = Solicitacao.Tipo
Parecer = Documento.Parecer
ConfirmacaoCPF = Usuario.ConfirmacaoCPF
# O grupo da carga inicial (a semente não muda se a equipe renomear o grupo).
GRUPO_CREDENCIAMENTO_RL = semente("Credenciamento do Representante Legal")
DECISOES = (Status.APROVADA, Status.APROVADA_PARCIALMENTE, Status.DEVOLVIDA, Status.REPROVADA)


class DecisaoInvalida(ErroDeParceiros):
    """Decisão incoerente (motivo, pareceres): as mensagens dizem o que corrigir."""


def exigir_imparcialidade(
    solicitacao: Solicitacao, *, ator: Usuario, ip: str | None = None
) -> None:
    """Recusa quem é parte da solicitação (``permissions.anotar_conflito``), com auditoria.

    Chamada antes da transação da decisão, para a linha da auditoria não ser desfeita junto
    com ela. O conflito vem de quem pediu, do RL indicado e dos vínculos, não do status: a
    trava da solicitação não mudaria o resultado.
    """
    conflito = permissions.conflito_de_interesse(solicitacao, ator)
    if not conflito:
        return
    registrar(
        "solicitacao.decisao_recusada_conflito",
        objeto=solicitacao,
        ator=ator,
        ip=ip,
        descricao=conflito,
    )
    raise services.ConflitoDeInteresse(
        f"Você não pode decidir a solicitação nº {solicitacao.pk}: {conflito} "
        "Outra pessoa da análise deve decidi-la."
    )


def decidir(
    solicitacao: Solicitacao,
    *,
    ator: Usuario,
    decisao: str,
    motivo: str = "",
    pareceres: dict | None = None,
    ip: str | None = None,
) -> Solicitacao:
    """em_analise → aprovada | aprovada_parcialmente | devolvida | reprovada.

    ``pareceres``: {documento_id: (Parecer, motivo)}. Motivo obrigatório, exceto para
    Aprovada; documento reprovado exige motivo. Aprovada exige nenhum documento reprovado;
    Aprovada parcialmente exige ao menos um aprovado e um reprovado. Quem é parte da
    solicitação é recusado (``exigir_imparcialidade``).
    """
    motivo = (motivo or "").strip()
    exigir_imparcialidade(solicitacao, ator=ator, ip=ip)
    with transaction.atomic():
        solicitacao = Solicitacao.objects.select_for_update().get(pk=solicitacao.pk)
        if solicitacao.status != Status.EM_ANALISE:
            raise services.TransicaoInvalida(
                "Esta solicitação já foi decidida por outra pessoa "
                f"({solicitacao.get_status_display().lower()}). Recarregue a página."
            )
        documentos = list(solicitacao.documentos_atuais.select_related("obrigacao"))
        _registrar_pareceres(documentos, pareceres or {}, decisao, ator)
        _validar(decisao, motivo, documentos)
        if decisao in (Status.APROVADA, Status.APROVADA_PARCIALMENTE):
            _aplicar(solicitacao, documentos, ator, ip)
            _confirmar_cpf_do_rl(solicitacao, documentos, ator, ip)
        elif decisao == Status.REPROVADA:
            _encerrar_documentos(documentos, ator)
        else:  # devolvida: o parecer de cada documento fica para o solicitante corrigir
            for documento in documentos:
                documento.save()
        solicitacao.motivo = motivo
        solicitacao.save(update_fields=["motivo", "updated_at"])
        services.transicionar(solicitacao, decisao, ator=ator, motivo=motivo, ip=ip)
        _avisar(solicitacao, documentos)
    return solicitacao


def _registrar_pareceres(documentos, pareceres, decisao, analista):
    agora = timezone.now()
    for documento in documentos:
        parecer, motivo = pareceres.get(documento.pk, ("", ""))
        if not parecer and decisao == Status.APROVADA:
            parecer = Parecer.APROVAR
        if not parecer and decisao == Status.REPROVADA:
            parecer, motivo = Parecer.REPROVAR, motivo or "Solicitação reprovada."
        documento.parecer = parecer
        documento.motivo_reprovacao = (motivo or "").strip() if parecer == Parecer.REPROVAR else ""
        documento.analisado_por = analista if parecer else None
        documento.analisado_em = agora if parecer else None


def _validar(decisao, motivo, documentos):
    erros = []
    if decisao not in DECISOES:
        erros.append("Escolha uma decisão.")
    if decisao != Status.APROVADA and not motivo:
        erros.append("Informe o motivo da decisão.")
    reprovados = [d for d in documentos if d.parecer == Parecer.REPROVAR]
    aprovados = [d for d in documentos if d.parecer == Parecer.APROVAR]
    erros += [
        f"Informe o motivo da reprovação de “{d.obrigacao.nome}”."
        for d in reprovados
        if not d.motivo_reprovacao
    ]
    if decisao == Status.APROVADA and reprovados:
        erros.append(
            "Há documento reprovado: escolha Aprovada parcialmente, Devolvida ou Reprovada."
        )
    if decisao == Status.APROVADA_PARCIALMENTE and not (aprovados and reprovados):
        erros.append("Aprovada parcialmente exige ao menos um documento aprovado e um reprovado.")
    if decisao == Status.APROVADA_PARCIALMENTE and len(aprovados) + len(reprovados) < len(
        documentos
    ):
        erros.append("Dê um parecer para cada documento.")
    if erros:
        raise DecisaoInvalida(erros)


def _encerrar_documentos(documentos, analista):
    for documento in documentos:
        documento.save()  # parecer e motivo
        services.mudar_status_documento(documento, Documento.Status.REPROVADO, ator=analista)


def _aplicar(solicitacao, documentos, analista, ip):
    """Aplica a mudança aprovada; documentos aprovados entram na pasta digital."""
    parceiro = _aplicar_dados(solicitacao, analista, ip)
    mandato = Vinculo.objects.filter(parceiro=parceiro, papel=Vinculo.Papel.RL, ativo=True).first()
    for documento in documentos:
        if documento.regra_validade == Obrigacao.Regra.FIM_MANDATO:
            documento.vinculo = mandato  # vence com ele: Documento.objects.com_vencimento_efetivo
        documento.parceiro = parceiro
        aprovado = documento.parecer == Parecer.APROVAR
        if aprovado:
            services.substituir_aprovados(parceiro, documento.obrigacao, ator=analista)
        documento.save()  # parecer, parceiro e mandato
        para = Documento.Status.APROVADO if aprovado else Documento.Status.REPROVADO
        services.mudar_status_documento(documento, para, ator=analista)
    situacao.recalcular(parceiro, motivo=f"Solicitação nº {solicitacao.pk} aprovada")


def _confirmar_cpf_do_rl(solicitacao, documentos, analista, ip):
    """Documentos de credenciamento do RL (identidade, CPF, selfie com documento, mandato)
    anexados e todos aprovados: o analista conferiu quem é o RL, e o CPF dele fica confirmado."""
    do_rl = Obrigacao.objects.filter(
        pk__in=[d.obrigacao_id for d in documentos], grupo__semente=GRUPO_CREDENCIAMENTO_RL
    ).values_list("pk", flat=True)
    credenciais = [d for d in documentos if d.obrigacao_id in set(do_rl)]
    conferidos = credenciais and all(d.parecer == Parecer.APROVAR for d in credenciais)
    if solicitacao.tipo in (Tipo.INSCRICAO, Tipo.VINCULACAO_RL) and conferidos:
        descricao = f"Solicitação nº {solicitacao.pk}: documentos do RL aprovados"
        confirmar_cpf(
            solicitacao.representante_legal,
            por=ConfirmacaoCPF.ANALISE,
            ator=analista,
            ip=ip,
            descricao=descricao,
        )


def _aplicar_dados(solicitacao, analista, ip):
    dados = solicitacao.dados
    if solicitacao.tipo == Tipo.INSCRICAO:
        parceiro = _novo_parceiro(solicitacao, analista, ip)
    else:
        parceiro = Parceiro.objects.select_for_update().get(pk=solicitacao.parceiro_id)
    if solicitacao.tipo == Tipo.DADOS:
        _atualizar_dados(parceiro, dados, analista, ip)
    if solicitacao.tipo in (Tipo.INSCRICAO, Tipo.VINCULACAO_RL):
        rep = dados["representante"]
        services.vincular_rl(
            parceiro,
            solicitacao.representante_legal,
            cargo=rep["cargo"],
            mandato_inicio=date.fromisoformat(rep["mandato_inicio"]),
            mandato_fim=date.fromisoformat(rep["mandato_fim"]),
            ator=analista,
            ip=ip,
        )
    if solicitacao.tipo == Tipo.INSCRICAO_RI:
        _vincular_ri(parceiro, solicitacao, analista)
    return parceiro


def _novo_parceiro(solicitacao, analista, ip):
    if Parceiro.objects.filter(cnpj=solicitacao.cnpj).exists():
        raise DecisaoInvalida(
            "Esta organização já foi cadastrada por outra solicitação. Reprove esta, "
            "indicando a vinculação como caminho."
        )
    registro = receita.RegistroReceita.de_dict(solicitacao.dados["receita"])
    tipo = TipoParceiro.objects.get(pk=solicitacao.dados["tipo_id"])
    parceiro = services.cadastrar_parceiro(
        registro, tipo, contatos=solicitacao.dados.get("contatos"), ator=analista, ip=ip
    )
    solicitacao.parceiro = parceiro
    solicitacao.save(update_fields=["parceiro", "updated_at"])
    return parceiro


def _atualizar_dados(parceiro, dados, analista, ip):
    campos = dict(dados.get("contatos") or {})
    if dados.get("receita"):
        registro = receita.RegistroReceita.de_dict(dados["receita"])
        campos_receita = services.campos_da_receita(registro)
        antes = {c: str(getattr(parceiro, c)) for c in campos_receita}
        for campo, valor in campos_receita.items():
            setattr(parceiro, campo, valor)
        parceiro.save()
        registrar(
            "parceiro.dados_receita_atualizados",
            objeto=parceiro,
            ator=analista,
            ip=ip,
            antes=antes,
            depois={c: str(getattr(parceiro, c)) for c in campos_receita},
        )
    if campos:
        services.alterar_pela_administracao(parceiro, ator=analista, ip=ip, **campos)


def _vincular_ri(parceiro, solicitacao, analista):
    cargo = (solicitacao.dados.get("responsavel") or {}).get("cargo", "")
    if not Vinculo.objects.filter(
        parceiro=parceiro, usuario=solicitacao.solicitante, ativo=True
    ).exists():
        services.incluir_responsavel(
            parceiro, solicitacao.solicitante, ator=analista, cargo=cargo, avisar=False
        )


def _avisar(solicitacao, documentos):
    reprovados = [
        {"obrigacao": d.obrigacao.nome, "motivo": d.motivo_reprovacao}
        for d in documentos
        if d.parecer == Parecer.REPROVAR
    ]
    pessoas = {solicitacao.solicitante}
    if solicitacao.representante_legal:
        pessoas.add(solicitacao.representante_legal)
    for pessoa in pessoas:
        enfileirar_email(
            "solicitacao_decidida",
            pessoa.email,
            {
                "nome": pessoa.nome,
                "solicitacao": str(solicitacao),
                "parceiro": solicitacao.nome_parceiro,
                "decisao": solicitacao.get_status_display(),
                "devolvida": solicitacao.status == Status.DEVOLVIDA,
                "aprovada": solicitacao.status in (Status.APROVADA, Status.APROVADA_PARCIALMENTE),
                "motivo": solicitacao.motivo,
                "reprovados": reprovados,
                "link": services.link_absoluto("parceiros:solicitacao_detail", solicitacao.pk),
                # o mesmo status, próxima ação e quem age que o painel e a página mostram
                "etapa": selectors.etapa_da_solicitacao(solicitacao, pessoa).para_email(),
            },
            usuario=pessoa,
        )
