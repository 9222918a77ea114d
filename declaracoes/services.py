"""Assinatura da Declaração de Autenticidade dos Documentos Apresentados.

O texto é gerado da solicitação (cada documento com o seu SHA-256), mostrado inteiro ao
Representante Legal e assinado com CPF e senha. A assinatura grava as evidências, o
SHA-256 do texto exato, um código de verificação e o PDF com o seu SHA-256.
"""

import hashlib
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Usuario
from accounts.services import exigir_cota_diaria
from cagec.lib import pdf
from cagec.lib.armazenamento import apagar_sem_falhar
from cagec.lib.auditoria import registrar
from cagec.lib.codigos import formatar_codigo, gerar_codigo
from cagec.lib.documentos import formatar_cnpj, formatar_telefone, mascarar_cpf
from cagec.lib.erros import ErroDeDominio
from parceiros.models import Parceiro, Solicitacao
from parceiros.selectors import esquecer_assinaturas_pendentes
from parceiros.services import TransicaoInvalida, encaminhar_assinada, registrar_aceite

from . import consulta, revogacao, verificacao
from .models import Declaracao
from .selectors import declaracao_vigente


class ErroDeDeclaracoes(ErroDeDominio):
    """Recusa de um serviço de declarações (assinatura, revogação, consulta)."""


class AssinaturaRecusada(ErroDeDeclaracoes):
    """Quem não pode assinar esta declaração, ou ela já foi assinada."""


def texto_da_declaracao(solicitacao: Solicitacao, *, ator: Usuario) -> str:
    """O texto exato que o RL assina (e cujo SHA-256 fica guardado)."""
    contexto = {
        "solicitacao": solicitacao,
        "signatario": ator,
        "cpf_mascarado": mascarar_cpf(ator.cpf),
        "cnpj": formatar_cnpj(solicitacao.cnpj),
        "razao_social": solicitacao.nome_parceiro,
        "documentos": solicitacao.documentos_atuais.select_related("obrigacao").order_by("pk"),
        "contatos": solicitacao.dados.get("contatos"),
        "telefone": formatar_telefone((solicitacao.dados.get("contatos") or {}).get("telefone")),
        "representante": _representante(solicitacao.dados.get("representante")),
        "responsavel": solicitacao.dados.get("responsavel"),
    }
    texto = render_to_string("declaracoes/declaracao_texto.txt", contexto)
    linhas = [" ".join(linha.split()) for linha in texto.strip().splitlines()]
    return "\n".join(linhas).replace("\n\n\n", "\n\n")


def _representante(dados: dict[str, Any] | None) -> dict[str, Any] | None:
    if not dados:
        return None
    return {
        **dados,
        "mandato_inicio": _data_br(dados.get("mandato_inicio")),
        "mandato_fim": _data_br(dados.get("mandato_fim")),
    }


def _data_br(iso: str | None) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else "—"


def assinar(
    solicitacao: Solicitacao, *, ator: Usuario, ip: str | None = None, user_agent: str = ""
) -> Declaracao:
    """Assina a declaração da solicitação *aguardando assinatura* (só o RL indicado) e a
    encaminha para análise.

    A senha já foi conferida pelo formulário (a tentativa errada conta para o bloqueio).
    Cria a ``Declaracao`` com evidências, código e PDF e, na mesma transação, passa a
    solicitação para *Em análise* (``parceiros.services.encaminhar_assinada``: e-mails ao
    solicitante e ao RL). Assinar é o último ato: quem preparou já pediu o envio.
    """
    with transaction.atomic():
        solicitacao = Solicitacao.objects.select_for_update().get(pk=solicitacao.pk)
        if solicitacao.status != Solicitacao.Status.AGUARDANDO_ASSINATURA:
            raise TransicaoInvalida("Esta solicitação não está aguardando assinatura.")
        if solicitacao.representante_legal_id != ator.pk:
            raise AssinaturaRecusada("Só o representante legal indicado pode assinar.")
        if declaracao_vigente(solicitacao) is not None:
            raise AssinaturaRecusada("Esta declaração já foi assinada.")
        if solicitacao.aguarda_aceite_do_rl:  # assinar como RL é aceitar a indicação
            registrar_aceite(solicitacao, ator=ator, ip=ip)
        texto = texto_da_declaracao(solicitacao, ator=ator)
        declaracao = Declaracao(
            solicitacao=solicitacao,
            cnpj=solicitacao.cnpj,
            razao_social=solicitacao.nome_parceiro,
            signatario=ator,
            signatario_nome=ator.nome,
            signatario_cpf=ator.cpf,
            texto=texto,
            sha256_texto=hashlib.sha256(texto.encode()).hexdigest(),
            assinada_em=timezone.now(),
            ip=ip,
            user_agent=(user_agent or "")[:300],
        )
        _gravar_com_codigo(declaracao)
        transaction.on_commit(esquecer_assinaturas_pendentes)  # [analista] menu "Assinaturas (n)"
        registrar(
            "declaracao.assinada",
            objeto=declaracao,
            ator=ator,
            ip=ip,
            descricao=f"{declaracao.get_tipo_display()} — solicitação {solicitacao.pk}",
            depois={"codigo": declaracao.codigo, "sha256_pdf": declaracao.sha256_pdf},
        )
        encaminhar_assinada(solicitacao, ator=ator, ip=ip)
    return declaracao


def _gravar_com_codigo(declaracao: Declaracao, tentativas: int = 3) -> None:
    for _ in range(tentativas):
        declaracao.codigo = gerar_codigo()
        conteudo = pdf.renderizar_pdf("pdf/declaracao.html", contexto_pdf(declaracao))
        declaracao.sha256_pdf = pdf.sha256(conteudo)
        declaracao.pdf.save(f"{declaracao.codigo}.pdf", ContentFile(conteudo), save=False)
        declaracao.resumo_html = verificacao.resumo_da_declaracao(declaracao)
        try:
            with transaction.atomic():
                declaracao.save()
            return
        except IntegrityError:  # código repetido (80 bits: improvável), sorteia outro
            declaracao.pdf.delete(save=False)
        except BaseException:  # banco fora depois de gravar o PDF: o arquivo não fica órfão
            apagar_sem_falhar(declaracao.pdf.storage, declaracao.pdf.name)
            raise
    raise IntegrityError("não foi possível gerar um código de verificação único")


def contexto_pdf(declaracao: Declaracao) -> dict[str, Any]:
    """Dados do PDF da declaração (sem CPF inteiro nem IP).

    O IP da assinatura é evidência interna (fica na declaração e na auditoria); o PDF é
    público pelo código de verificação e não o mostra.
    """
    return {
        "titulo": declaracao.get_tipo_display(),
        "paragrafos": [p for p in declaracao.texto.split("\n\n") if p.strip()],
        "signatario": declaracao.signatario_nome,
        "cpf_mascarado": mascarar_cpf(declaracao.signatario_cpf),
        "assinada_em": timezone.localtime(declaracao.assinada_em),
        "metodo": declaracao.get_metodo_display(),
        "sha256_texto": declaracao.sha256_texto,
        "codigo": formatar_codigo(declaracao.codigo),
        "url_verificacao": f"{settings.PORTAL_URL_BASE}/verificar/{declaracao.codigo}/",
        "cnpj": formatar_cnpj(declaracao.cnpj),
        "razao_social": declaracao.razao_social,
    }


def revogar(declaracao: Declaracao, *, ator: Usuario, motivo: str, ip: str | None = None) -> int:
    """Revoga uma declaração (ver ``declaracoes.revogacao``)."""
    return revogacao.revogar(declaracao, ator=ator, motivo=motivo, ip=ip)


# --- Consulta de organizações pelo CPF do representante legal (só logado) -------------------
# Uma pessoa é RL de poucas organizações; a página mostra todas até este teto.
MAXIMO_POR_CPF = 100


def consultar_por_cpf(cpf: str, *, ator: Usuario, ip: str | None = None) -> list[Parceiro]:
    """Organizações das quais o CPF é o RL ativo, para quem está logado (issue #11).

    Conta na cota diária ``CONSULTA_CPF_LIMITE_DIARIO`` da conta (recusa com
    ``CotaEsgotada`` quando acabou) e grava a auditoria com o CPF mascarado e quantas
    organizações vieram. O CPF nunca vai para a URL nem para os resultados.
    """
    limite = settings.CONSULTA_CPF_LIMITE_DIARIO
    with transaction.atomic():
        exigir_cota_diaria(
            "consulta.cpf_representante",
            limite,
            ator=ator,
            mensagem=f"Você já fez as {limite} consultas por CPF permitidas por dia. "
            "Amanhã a cota se renova; até lá, consulte pelo CNPJ ou pelo nome da organização.",
        )
        parceiros = list(consulta.buscar_por_cpf(cpf)[:MAXIMO_POR_CPF])
        registrar(
            "consulta.cpf_representante",
            ator=ator,
            ip=ip,
            descricao=f"CPF {mascarar_cpf(cpf)}",
            depois={"encontradas": len(parceiros)},
        )
    return parceiros
