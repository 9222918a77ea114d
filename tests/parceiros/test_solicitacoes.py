"""Serviços de Solicitação: tabela de transições, rascunho retomável, envio, assinatura, anexos,
vínculos de RL e de RI.

Os estados são construídos pelos serviços, inclusive as decisões da análise
(``parceiros.analise.decidir``); ``transicionar`` é chamado direto só onde ele é o assunto.
"""

import hashlib
import re
import threading
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory

from cagec.core.models import EmailSaida, RegistroAuditoria
from declaracoes import services as declaracoes
from declaracoes.forms import AssinaturaForm
from declaracoes.models import Declaracao
from declaracoes.selectors import declaracao_vigente, pendentes_de_assinatura
from parceiros import analise, receita, selectors, services
from parceiros.models import (
    Documento,
    Obrigacao,
    Parceiro,
    Solicitacao,
    TipoParceiro,
    TransicaoSolicitacao,
    Vinculo,
)
from parceiros.services import SolicitacaoIncompleta, TransicaoInvalida
from tests.conftest import caminho, link_do_email, ultimo_email
from tests.factories import (
    CNPJ_ASSOCIACAO,
    CNPJ_LIVRE,
    CNPJ_MUNICIPIO,
    SENHA,
    UsuarioFactory,
    parceiro_com_rl,
    pdf_pequeno,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]

S = Solicitacao.Status
T = Solicitacao.Tipo
P = Documento.Parecer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
MANDATO = {"mandato_inicio": date(2025, 1, 1), "mandato_fim": date(2028, 12, 31)}

# Produto §3.3, mais "reabrir" (aguardando assinatura → rascunho, antes de assinar).
PERMITIDAS = {
    (S.RASCUNHO, S.AGUARDANDO_ASSINATURA),
    (S.RASCUNHO, S.CANCELADA),
    (S.AGUARDANDO_ASSINATURA, S.EM_ANALISE),
    (S.AGUARDANDO_ASSINATURA, S.RASCUNHO),
    (S.EM_ANALISE, S.APROVADA),
    (S.EM_ANALISE, S.APROVADA_PARCIALMENTE),
    (S.EM_ANALISE, S.DEVOLVIDA),
    (S.EM_ANALISE, S.REPROVADA),
    (S.DEVOLVIDA, S.AGUARDANDO_ASSINATURA),
    (S.DEVOLVIDA, S.CANCELADA),
}
TODOS_OS_PARES = [(de, para) for de in S for para in S]
PROIBIDAS = [par for par in TODOS_OS_PARES if par not in PERMITIDAS]


def _pares(pares):
    return [pytest.param(de, para, id=f"{de.value}->{para.value}") for de, para in pares]


@pytest.fixture(autouse=True)
def _pdf_rapido(monkeypatch):
    """Estes testes não são sobre o PDF: troca o WeasyPrint por bytes fixos (o PDF real é
    testado em tests/declaracoes/test_assinatura.py)."""
    from cagec.lib import pdf

    monkeypatch.setattr(pdf, "renderizar_pdf", lambda *a, **k: b"%PDF-1.7\n% teste\n")


# --- Construção de estados pelos serviços ---------------------------------------------------------
def arquivo(conteudo=None, nome="certidao.pdf"):
    return SimpleUploadedFile(nome, conteudo if conteudo is not None else pdf_pequeno())


def tipo_entidade_privada():
    return TipoParceiro.objects.get(nome="Entidade Privada Sem Fins Lucrativos")


def iniciar(pessoa, cnpj=CNPJ_LIVRE):
    return services.iniciar_inscricao(cnpj, ator=pessoa)


def preencher(solicitacao, pessoa, representante=None):
    """Passos dados → representante → documentos de uma inscrição."""
    solicitacao = services.salvar_dados(
        solicitacao,
        ator=pessoa,
        tipo=tipo_entidade_privada(),
        site="https://valeverde.org.br",
        email_institucional="contato@valeverde.org.br",
        telefone="3132815500",
    )
    solicitacao = services.salvar_representante(
        solicitacao,
        ator=pessoa,
        representante=representante or pessoa,
        cargo="Presidente",
        **MANDATO,
    )
    for obrigacao in selectors.obrigacoes_da_solicitacao(solicitacao)[:2]:
        services.anexar_documento(solicitacao, ator=pessoa, obrigacao=obrigacao, arquivo=arquivo())
    return solicitacao


def decidida(solicitacao, analista, decisao):
    """Decisão da análise: na parcial, o primeiro documento é aprovado e o segundo reprovado."""
    pareceres, motivo = None, "Motivo da decisão"
    if decisao == S.APROVADA:
        motivo = ""
    if decisao == S.APROVADA_PARCIALMENTE:
        primeiro, segundo = solicitacao.documentos.order_by("pk")
        pareceres = {primeiro.pk: (P.APROVAR, ""), segundo.pk: (P.REPROVAR, "Ilegível")}
    analise.decidir(solicitacao, ator=analista, decisao=decisao, motivo=motivo, pareceres=pareceres)
    return Solicitacao.objects.get(pk=solicitacao.pk)


def assinada(solicitacao, rl):
    return declaracoes.assinar(solicitacao, ator=rl, ip="200.10.20.30", user_agent="Teste")


def inscricao_em(status, pessoa, analista):
    """Uma inscrição no ``status`` pedido, pelo caminho que uma pessoa faria."""
    solicitacao = iniciar(pessoa)
    if status == S.RASCUNHO:
        return solicitacao
    if status == S.CANCELADA:
        return services.cancelar(solicitacao, ator=pessoa)
    preencher(solicitacao, pessoa)
    solicitacao = services.enviar_para_assinatura(solicitacao, ator=pessoa)
    if status == S.AGUARDANDO_ASSINATURA:
        return solicitacao
    assinada(solicitacao, pessoa)  # a assinatura encaminha para análise
    solicitacao = Solicitacao.objects.get(pk=solicitacao.pk)
    if status == S.EM_ANALISE:
        return solicitacao
    return decidida(solicitacao, analista, status)


def atualizacao_de_documentos(pessoa, parceiro):
    solicitacao = services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=pessoa)
    obrigacao = selectors.obrigacoes_da_solicitacao(solicitacao).get(nome="Inscrição no CNPJ")
    services.anexar_documento(solicitacao, ator=pessoa, obrigacao=obrigacao, arquivo=arquivo())
    return solicitacao


def recarregar(objeto):
    return type(objeto).objects.get(pk=objeto.pk)


# --- A tabela de transições inteira ------------------------------------------------------------
def test_tabela_de_transicoes_e_a_do_produto_e_cobre_todos_os_status():
    assert set(services._TRANSICOES) == set(S)
    tabela = {(de, para) for de, destinos in services._TRANSICOES.items() for para in destinos}
    assert tabela == PERMITIDAS


@pytest.mark.parametrize("de,para", _pares(sorted(PERMITIDAS)))
def test_transicao_da_tabela_grava_linha_do_tempo_e_auditoria(de, para, usuario, analista):
    solicitacao = inscricao_em(de, usuario, analista)
    assert solicitacao.status == de
    antes = TransicaoSolicitacao.objects.filter(solicitacao=solicitacao).count()

    services.transicionar(solicitacao, para, ator=analista, motivo="Motivo X", ip="10.1.2.3")

    assert recarregar(solicitacao).status == para
    transicoes = TransicaoSolicitacao.objects.filter(solicitacao=solicitacao)
    assert transicoes.count() == antes + 1
    ultima = transicoes.last()
    assert (ultima.de, ultima.para, ultima.usuario, ultima.motivo) == (
        de,
        para,
        analista,
        "Motivo X",
    )
    auditoria = RegistroAuditoria.objects.filter(
        acao=f"solicitacao.{para}",
        objeto_tipo="parceiros.solicitacao",
        objeto_id=str(solicitacao.pk),
        ator=analista,
    ).get()
    assert auditoria.antes == {"status": de} and auditoria.depois == {"status": para}
    assert auditoria.ip == "10.1.2.3"


@pytest.mark.parametrize("de,para", _pares(PROIBIDAS))
def test_transicao_fora_da_tabela_e_recusada_sem_mudar_nada(de, para, usuario, analista):
    solicitacao = inscricao_em(de, usuario, analista)
    assert solicitacao.status == de
    transicoes = TransicaoSolicitacao.objects.filter(solicitacao=solicitacao).count()
    auditoria = RegistroAuditoria.objects.count()

    with pytest.raises(TransicaoInvalida):
        services.transicionar(solicitacao, para, ator=analista)

    assert recarregar(solicitacao).status == de
    assert TransicaoSolicitacao.objects.filter(solicitacao=solicitacao).count() == transicoes
    assert RegistroAuditoria.objects.count() == auditoria


def test_cancelar_fora_de_rascunho_ou_devolvida_e_recusado(usuario, analista):
    solicitacao = inscricao_em(S.AGUARDANDO_ASSINATURA, usuario, analista)
    with pytest.raises(TransicaoInvalida):
        services.cancelar(solicitacao, ator=usuario)
    assert recarregar(solicitacao).status == S.AGUARDANDO_ASSINATURA


# --- Rascunho retomável ------------------------------------------------------------------------
def test_iniciar_inscricao_de_novo_retoma_o_mesmo_rascunho(usuario):
    primeira = iniciar(usuario)
    segunda = services.iniciar_inscricao("07.000.002/0001-20", ator=usuario)
    assert segunda.pk == primeira.pk
    assert Solicitacao.objects.filter(solicitante=usuario).count() == 1
    assert primeira.passo == "dados" and primeira.status == S.RASCUNHO
    assert primeira.dados["receita"]["razao_social"] == "INSTITUTO CULTURAL VALE VERDE"
    # a criação entra uma vez na linha do tempo
    assert list(primeira.transicoes.values_list("de", "para")) == [("", S.RASCUNHO)]


def test_outra_pessoa_com_o_mesmo_cnpj_tem_o_seu_proprio_rascunho(usuario, outro_usuario):
    assert iniciar(usuario).pk != iniciar(outro_usuario).pk


def test_passo_avanca_e_dados_persistem_entre_sessoes(usuario):
    solicitacao = iniciar(usuario)
    tipo = tipo_entidade_privada()
    services.salvar_dados(
        solicitacao,
        ator=usuario,
        tipo=tipo,
        site="https://valeverde.org.br",
        email_institucional="contato@valeverde.org.br",
        telefone="3132815500",
    )

    retomada = iniciar(usuario)
    assert retomada.pk == solicitacao.pk
    assert retomada.passo == "representante"
    assert retomada.dados["tipo_id"] == tipo.pk
    assert retomada.dados["contatos"] == {
        "site": "https://valeverde.org.br",
        "email_institucional": "contato@valeverde.org.br",
        "telefone": "3132815500",
    }
    assert selectors.tipo_da_solicitacao(retomada) == tipo

    services.salvar_representante(
        retomada, ator=usuario, representante=usuario, cargo="Presidente", **MANDATO
    )
    retomada = recarregar(solicitacao)
    assert retomada.passo == "documentos"
    assert retomada.representante_legal == usuario
    assert retomada.dados["representante"] == {
        "cargo": "Presidente",
        "mandato_inicio": "2025-01-01",
        "mandato_fim": "2028-12-31",
    }
    # o passo anterior não se perdeu
    assert retomada.dados["contatos"]["site"] == "https://valeverde.org.br"
    assert retomada.dados["receita"]["cnpj"] == CNPJ_LIVRE


def test_cnpj_ja_no_cagec_nao_abre_inscricao(usuario, parceiro):
    with pytest.raises(services.CNPJRecusado) as erro:
        services.iniciar_inscricao(CNPJ_MUNICIPIO, ator=usuario)
    assert erro.value.code == "existente"
    assert not Solicitacao.objects.filter(solicitante=usuario).exists()


# --- Pendências e edição ------------------------------------------------------------------------
def test_rascunho_incompleto_nao_vai_para_assinatura_e_diz_o_que_falta(usuario):
    solicitacao = iniciar(usuario)
    faltas = selectors.pendencias(solicitacao)
    assert faltas == [
        "Escolha o tipo de parceiro e confira os contatos (passo Dados).",
        "Informe o representante legal, o cargo e o mandato.",
    ]
    with pytest.raises(SolicitacaoIncompleta) as erro:
        services.enviar_para_assinatura(solicitacao, ator=usuario)
    assert erro.value.messages == faltas
    assert recarregar(solicitacao).status == S.RASCUNHO

    solicitacao = services.salvar_dados(
        solicitacao,
        ator=usuario,
        tipo=tipo_entidade_privada(),
        site="",
        email_institucional="",
        telefone="",
    )
    assert selectors.pendencias(solicitacao) == [
        "Informe o representante legal, o cargo e o mandato."
    ]
    solicitacao = services.salvar_representante(
        solicitacao, ator=usuario, representante=usuario, cargo="Presidente", **MANDATO
    )
    assert selectors.pendencias(solicitacao) == []


def test_atualizacao_de_documentos_sem_anexo_nao_vai_para_assinatura(rl, parceiro):
    solicitacao = services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=rl)
    with pytest.raises(SolicitacaoIncompleta) as erro:
        services.enviar_para_assinatura(solicitacao, ator=rl)
    assert erro.value.messages == ["Anexe pelo menos um documento."]
    assert recarregar(solicitacao).status == S.RASCUNHO


def test_parceiro_sem_rl_ativo_nao_tem_quem_assine(usuario):
    registro = receita.consultar_cnpj(CNPJ_LIVRE)
    parceiro = services.cadastrar_parceiro(registro, tipo_entidade_privada())
    solicitacao = services.iniciar_atualizacao(parceiro, T.DADOS, ator=usuario)
    assert solicitacao.representante_legal is None
    with pytest.raises(SolicitacaoIncompleta) as erro:
        services.enviar_para_assinatura(solicitacao, ator=usuario)
    assert erro.value.messages == ["A organização não tem representante legal ativo para assinar."]


def test_aguardando_assinatura_nao_pode_ser_editada(usuario, media_temporaria):
    solicitacao = iniciar(usuario)
    preencher(solicitacao, usuario)
    solicitacao = services.enviar_para_assinatura(solicitacao, ator=usuario)
    documento = solicitacao.documentos.order_by("pk").first()
    obrigacao = selectors.obrigacoes_da_solicitacao(solicitacao).last()

    with pytest.raises(TransicaoInvalida, match="não pode mais ser alterada"):
        services.salvar_dados(
            solicitacao, ator=usuario, site="https://outro.org", email_institucional="", telefone=""
        )
    with pytest.raises(TransicaoInvalida):
        services.salvar_representante(
            solicitacao, ator=usuario, representante=usuario, cargo="Outro", **MANDATO
        )
    with pytest.raises(TransicaoInvalida):
        services.anexar_documento(solicitacao, ator=usuario, obrigacao=obrigacao, arquivo=arquivo())
    with pytest.raises(TransicaoInvalida):
        services.remover_documento(documento, ator=usuario)

    solicitacao = recarregar(solicitacao)
    assert solicitacao.dados["contatos"]["site"] == "https://valeverde.org.br"
    assert solicitacao.dados["representante"]["cargo"] == "Presidente"
    assert solicitacao.documentos.count() == 2
    assert solicitacao.documentos.filter(pk=documento.pk).exists()
    assert (media_temporaria / documento.arquivo.name).exists()
    assert len(list(media_temporaria.rglob("*.pdf"))) == 2


def test_remover_documento_de_rascunho_apaga_linha_e_arquivo(
    usuario, media_temporaria, django_capture_on_commit_callbacks
):
    solicitacao = iniciar(usuario)
    preencher(solicitacao, usuario)
    documento = solicitacao.documentos.order_by("pk").first()
    guardado, pk = media_temporaria / documento.arquivo.name, documento.pk
    assert guardado.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.remover_documento(documento, ator=usuario)
    assert not solicitacao.documentos.filter(pk=pk).exists()
    assert solicitacao.documentos.count() == 1
    assert not guardado.exists()
    assert RegistroAuditoria.objects.filter(
        acao="documento.removido", objeto_id=str(pk), ator=usuario
    ).exists()


# --- Envio para assinatura pelo RI, assinatura pelo RL, encaminhamento ---------------------------
@pytest.fixture
def aguardando_rl(ri, parceiro, django_capture_on_commit_callbacks):
    """Atualização de documentos preparada pelo RI e enviada para o RL assinar."""
    solicitacao = atualizacao_de_documentos(ri, parceiro)
    with django_capture_on_commit_callbacks(execute=True):
        return services.enviar_para_assinatura(solicitacao, ator=ri)


def test_ri_envia_para_assinatura_e_o_rl_recebe_email_com_link_das_assinaturas(
    ri, rl, parceiro, mailoutbox, django_capture_on_commit_callbacks
):
    solicitacao = atualizacao_de_documentos(ri, parceiro)
    assert solicitacao.representante_legal == rl
    with django_capture_on_commit_callbacks(execute=True):
        services.enviar_para_assinatura(solicitacao, ator=ri)

    assert recarregar(solicitacao).status == S.AGUARDANDO_ASSINATURA
    email = ultimo_email("assinatura_pendente")
    assert email.destinatario == rl.email and email.usuario == rl
    assert EmailSaida.objects.filter(evento="assinatura_pendente").count() == 1
    assert ri.nome in email.corpo_texto
    assert caminho(link_do_email(email, "/assinaturas/")) == "/assinaturas/"
    assert [m.to for m in mailoutbox] == [[rl.email]]


def test_pendente_aparece_para_o_rl_e_nao_para_o_ri(aguardando_rl, rl, ri, outro_rl):
    assert pendentes_de_assinatura(rl) == [aguardando_rl]
    assert pendentes_de_assinatura(ri) == []
    assert pendentes_de_assinatura(outro_rl) == []


def test_rl_que_prepara_a_propria_solicitacao_nao_recebe_email_de_assinatura(rl, parceiro):
    solicitacao = atualizacao_de_documentos(rl, parceiro)
    services.enviar_para_assinatura(solicitacao, ator=rl)
    assert not EmailSaida.objects.filter(evento="assinatura_pendente").exists()
    assert pendentes_de_assinatura(rl) == [recarregar(solicitacao)]


def test_ri_nao_assina(aguardando_rl, ri, rl, client):
    with pytest.raises(declaracoes.AssinaturaRecusada):
        declaracoes.assinar(aguardando_rl, ator=ri)
    assert not Declaracao.objects.exists()

    dados = {"cpf": ri.cpf, "senha": SENHA}
    requisicao = RequestFactory().post("/", dados, REMOTE_ADDR="10.0.0.9")
    form = AssinaturaForm(requisicao, rl, requisicao.POST)
    assert not form.is_valid()
    assert "Nada foi assinado" in form.non_field_errors()[0]

    client.force_login(ri)
    assert client.get(f"/solicitacoes/{aguardando_rl.pk}/assinar/").status_code == 404
    assert not Declaracao.objects.exists()


def test_so_a_assinatura_do_rl_encaminha_para_analise(aguardando_rl, ri):
    with pytest.raises(TransicaoInvalida, match="Só a assinatura do representante legal"):
        services.encaminhar_assinada(aguardando_rl, ator=ri)
    solicitacao = recarregar(aguardando_rl)
    assert solicitacao.status == S.AGUARDANDO_ASSINATURA and solicitacao.enviada_em is None


def test_depois_da_assinatura_sai_dos_pendentes_e_vai_para_analise_com_emails(
    aguardando_rl, ri, rl, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        declaracao = assinada(aguardando_rl, rl)  # assinar encaminha para análise
    assert pendentes_de_assinatura(rl) == []

    solicitacao = recarregar(aguardando_rl)
    assert declaracao_vigente(solicitacao) == declaracao
    assert solicitacao.status == S.EM_ANALISE and solicitacao.enviada_em is not None
    ultima = solicitacao.transicoes.last()
    assert (ultima.de, ultima.para, ultima.usuario, ultima.motivo) == (
        S.AGUARDANDO_ASSINATURA,
        S.EM_ANALISE,
        rl,
        "Declaração de autenticidade assinada pelo representante legal; "
        "solicitação enviada para análise.",
    )
    emails = EmailSaida.objects.filter(evento="solicitacao_em_analise")
    assert sorted(emails.values_list("destinatario", flat=True)) == sorted([ri.email, rl.email])
    link = link_do_email(emails.first(), f"/solicitacoes/{solicitacao.pk}/")
    assert caminho(link) == f"/solicitacoes/{solicitacao.pk}/"
    assert sorted(m.to[0] for m in mailoutbox) == sorted([ri.email, rl.email])
    with pytest.raises(TransicaoInvalida):
        declaracoes.assinar(solicitacao, ator=rl)


def test_rl_que_e_solicitante_recebe_um_so_email_de_em_analise(rl, parceiro):
    solicitacao = atualizacao_de_documentos(rl, parceiro)
    services.enviar_para_assinatura(solicitacao, ator=rl)
    assinada(solicitacao, rl)
    assert EmailSaida.objects.filter(evento="solicitacao_em_analise").count() == 1


# --- Reabrir e nova assinatura ----------------------------------------------------------------
def test_reabrir_antes_de_assinar_volta_a_rascunho_editavel(aguardando_rl, ri):
    solicitacao = services.reabrir(aguardando_rl, ator=ri)
    assert recarregar(solicitacao).status == S.RASCUNHO
    ultima = solicitacao.transicoes.last()
    assert (ultima.de, ultima.para, ultima.motivo) == (
        S.AGUARDANDO_ASSINATURA,
        S.RASCUNHO,
        "Reaberta para edição",
    )
    obrigacao = selectors.obrigacoes_da_solicitacao(solicitacao).get(
        nome="Comprovação de endereço da sede"
    )
    services.anexar_documento(solicitacao, ator=ri, obrigacao=obrigacao, arquivo=arquivo())
    assert solicitacao.documentos.count() == 2


def test_reabrir_depois_de_assinado_e_recusado(aguardando_rl, ri, rl):
    assinada(aguardando_rl, rl)  # já em análise
    with pytest.raises(TransicaoInvalida, match="em análise não pode ficar rascunho"):
        services.reabrir(aguardando_rl, ator=ri)
    assert recarregar(aguardando_rl).status == S.EM_ANALISE


def test_devolvida_reaberta_e_reenviada_exige_nova_assinatura(aguardando_rl, ri, rl, analista):
    antiga = assinada(aguardando_rl, rl)  # assinar encaminha para análise
    solicitacao = decidida(aguardando_rl, analista, S.DEVOLVIDA)
    assert declaracao_vigente(recarregar(solicitacao)) is None

    services.enviar_para_assinatura(solicitacao, ator=ri)
    services.reabrir(solicitacao, ator=ri)  # a antiga assinatura não impede reabrir
    solicitacao = services.enviar_para_assinatura(solicitacao, ator=ri)

    assert solicitacao.status == S.AGUARDANDO_ASSINATURA
    assert declaracao_vigente(solicitacao) is None
    assert pendentes_de_assinatura(rl) == [solicitacao]

    nova = assinada(solicitacao, rl)
    assert nova.pk != antiga.pk and nova.codigo != antiga.codigo
    assert declaracao_vigente(recarregar(solicitacao)) == nova
    assert Declaracao.objects.filter(solicitacao=solicitacao).count() == 2  # histórico fica
    assert recarregar(solicitacao).status == S.EM_ANALISE


def test_rl_trocado_depois_do_rascunho_quem_assina_e_o_rl_atual(ri, rl, parceiro, outro_usuario):
    solicitacao = atualizacao_de_documentos(ri, parceiro)
    services.vincular_rl(parceiro, outro_usuario, cargo="Prefeito", **MANDATO)
    solicitacao = services.enviar_para_assinatura(solicitacao, ator=ri)
    assert pendentes_de_assinatura(rl) == []
    with pytest.raises(declaracoes.AssinaturaRecusada):
        declaracoes.assinar(solicitacao, ator=rl)
    assert pendentes_de_assinatura(outro_usuario) == [solicitacao]


# --- Anexos -------------------------------------------------------------------------------
@pytest.fixture
def rascunho(usuario):
    solicitacao = iniciar(usuario)
    return services.salvar_dados(
        solicitacao,
        ator=usuario,
        tipo=tipo_entidade_privada(),
        site="",
        email_institucional="",
        telefone="",
    )


def primeira_obrigacao(solicitacao):
    return selectors.obrigacoes_da_solicitacao(solicitacao).first()


@pytest.mark.parametrize(
    "conteudo,nome",
    [
        (b"isto e texto, nao um PDF", "certidao.pdf"),
        (b"GIF89a" + b"\x00" * 32, "imagem.png"),
        (b"", "vazio.pdf"),
        (b"PK\x03\x04 docx", "certidao.docx"),
    ],
    ids=["texto", "gif", "vazio", "docx"],
)
def test_anexo_que_nao_e_pdf_png_nem_jpeg_pelo_conteudo_e_recusado(
    rascunho, usuario, media_temporaria, conteudo, nome
):
    with pytest.raises(ValidationError) as erro:
        services.anexar_documento(
            rascunho,
            ator=usuario,
            obrigacao=primeira_obrigacao(rascunho),
            arquivo=arquivo(conteudo, nome),
        )
    assert erro.value.messages == ["O arquivo não é um PDF, PNG ou JPEG."]
    assert not Documento.objects.exists()
    assert not [p for p in Path(media_temporaria).rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    "conteudo,content_type,extensao",
    [
        (pdf_pequeno(), "application/pdf", ".pdf"),
        (PNG, "image/png", ".png"),
        (JPEG, "image/jpeg", ".jpg"),
    ],
    ids=["pdf", "png", "jpeg"],
)
def test_anexo_guarda_hash_tamanho_tipo_pelo_conteudo_e_nome_aleatorio(
    rascunho, usuario, media_temporaria, conteudo, content_type, extensao
):
    # o nome e a extensão enviados não decidem o tipo
    enviado = arquivo(conteudo, "C:\\Documentos\\Certidão Negativa FULANO.bin")
    documento = services.anexar_documento(
        rascunho, ator=usuario, obrigacao=primeira_obrigacao(rascunho), arquivo=enviado
    )
    documento = recarregar(documento)
    assert documento.sha256 == hashlib.sha256(conteudo).hexdigest()
    assert documento.tamanho == len(conteudo)
    assert documento.content_type == content_type
    assert documento.nome_original == "Certidão Negativa FULANO.bin"
    assert documento.enviado_por == usuario and documento.solicitacao == rascunho
    assert re.fullmatch(
        rf"documentos/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\{extensao}", documento.arquivo.name
    )
    assert "FULANO" not in documento.arquivo.name and "Certid" not in documento.arquivo.name
    assert (media_temporaria / documento.arquivo.name).read_bytes() == conteudo
    assert RegistroAuditoria.objects.filter(
        acao="documento.anexado", objeto_id=str(documento.pk), ator=usuario
    ).exists()


def test_dois_anexos_iguais_recebem_nomes_guardados_diferentes(rascunho, usuario):
    obrigacoes = selectors.obrigacoes_da_solicitacao(rascunho)[:2]
    nomes = {
        services.anexar_documento(
            rascunho, ator=usuario, obrigacao=o, arquivo=arquivo(nome="mesmo.pdf")
        ).arquivo.name
        for o in obrigacoes
    }
    assert len(nomes) == 2


def test_anexar_de_novo_na_mesma_obrigacao_substitui_e_apaga_o_antigo_depois_do_commit(
    rascunho, usuario, media_temporaria, django_capture_on_commit_callbacks
):
    obrigacao = primeira_obrigacao(rascunho)
    antigo = services.anexar_documento(
        rascunho, ator=usuario, obrigacao=obrigacao, arquivo=arquivo(pdf_pequeno("antigo"))
    )
    arquivo_antigo = media_temporaria / antigo.arquivo.name

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        novo = services.anexar_documento(
            rascunho,
            ator=usuario,
            obrigacao=obrigacao,
            arquivo=arquivo(pdf_pequeno("novo"), "novo.pdf"),
        )
    # a linha some na hora; o arquivo só depois do commit
    assert not Documento.objects.filter(pk=antigo.pk).exists()
    assert arquivo_antigo.exists()
    for callback in callbacks:
        callback()
    assert not arquivo_antigo.exists()

    assert list(rascunho.documentos.all()) == [novo]
    assert novo.nome_original == "novo.pdf"
    assert (media_temporaria / novo.arquivo.name).read_bytes() == pdf_pequeno("novo")


def test_obrigacao_fora_da_checklist_e_recusada(rascunho, usuario):
    de_outro_tipo = Obrigacao.objects.exclude(tipos=tipo_entidade_privada()).first()
    assert de_outro_tipo is not None
    with pytest.raises(ValidationError) as erro:
        services.anexar_documento(
            rascunho, ator=usuario, obrigacao=de_outro_tipo, arquivo=arquivo()
        )
    assert erro.value.messages == ["Esta obrigação não se aplica a esta solicitação."]
    assert not Documento.objects.exists()


def test_sem_tipo_escolhido_nenhuma_obrigacao_e_aceita(usuario):
    solicitacao = iniciar(usuario)
    obrigacao = Obrigacao.objects.filter(tipos=tipo_entidade_privada()).first()
    with pytest.raises(ValidationError):
        services.anexar_documento(solicitacao, ator=usuario, obrigacao=obrigacao, arquivo=arquivo())


# --- Um RL ativo por Parceiro ------------------------------------------------------------------
def rls_ativos(parceiro):
    return Vinculo.objects.filter(parceiro=parceiro, papel=Vinculo.Papel.RL, ativo=True)


def test_banco_recusa_segundo_rl_ativo(parceiro, outro_usuario):
    with pytest.raises(IntegrityError), transaction.atomic():
        Vinculo.objects.create(usuario=outro_usuario, parceiro=parceiro, papel=Vinculo.Papel.RL)
    assert rls_ativos(parceiro).count() == 1


def test_vincular_rl_encerra_o_anterior_e_guarda_historico(parceiro, rl, outro_usuario, analista):
    anterior = rls_ativos(parceiro).get()
    novo = services.vincular_rl(parceiro, outro_usuario, cargo="Prefeito", ator=analista, **MANDATO)

    assert list(rls_ativos(parceiro)) == [novo]
    assert selectors.rl_atual(parceiro) == outro_usuario
    anterior = recarregar(anterior)
    assert anterior.usuario == rl and not anterior.ativo
    assert anterior.encerrado_em is not None and anterior.encerrado_por == analista
    assert Vinculo.objects.filter(parceiro=parceiro, papel=Vinculo.Papel.RL).count() == 2
    assert RegistroAuditoria.objects.filter(
        acao="vinculo.rl", objeto_id=str(novo.pk), ator=analista, usuario_afetado=outro_usuario
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_dois_vincular_rl_simultaneos_deixam_um_so_rl_ativo_no_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("concorrência real só no PostgreSQL (o SQLite trava o banco inteiro)")
    parceiro = parceiro_com_rl(UsuarioFactory())
    candidatos = [UsuarioFactory(), UsuarioFactory()]
    largada = threading.Barrier(len(candidatos))
    resultados = {}

    def vincular(pessoa):
        try:
            largada.wait(timeout=10)
            services.vincular_rl(parceiro, pessoa, cargo="Prefeito", **MANDATO)
            resultados[pessoa.pk] = "ok"
        except Exception as erro:  # noqa: BLE001 — o teste confere o tipo de falha
            resultados[pessoa.pk] = erro
        finally:
            connection.close()

    threads = [threading.Thread(target=vincular, args=(p,)) for p in candidatos]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)

    assert len(resultados) == 2
    sucessos = [pk for pk, r in resultados.items() if r == "ok"]
    falhas = [r for r in resultados.values() if r != "ok"]
    assert sucessos and all(isinstance(f, IntegrityError) for f in falhas), resultados
    ativo = rls_ativos(parceiro).get()
    assert ativo.usuario_id in sucessos
    encerrados = Vinculo.objects.filter(parceiro=parceiro, papel=Vinculo.Papel.RL, ativo=False)
    assert encerrados.count() == len(sucessos)
    assert all(v.encerrado_em is not None for v in encerrados)


def test_cadastrar_parceiro_da_numeros_de_cadastro_sequenciais(db):
    tipo_municipio = TipoParceiro.objects.get(nome="Município")
    numeros = [
        services.cadastrar_parceiro(receita.consultar_cnpj(cnpj), tipo).numero_cadastro
        for cnpj, tipo in [
            (CNPJ_MUNICIPIO, tipo_municipio),
            (CNPJ_ASSOCIACAO, tipo_entidade_privada()),
            (CNPJ_LIVRE, tipo_entidade_privada()),
        ]
    ]
    assert numeros == [1, 2, 3]
    assert list(Parceiro.objects.order_by("numero_cadastro").values_list("cnpj", flat=True)) == [
        CNPJ_MUNICIPIO,
        CNPJ_ASSOCIACAO,
        CNPJ_LIVRE,
    ]


# --- Responsáveis pelas Informações ------------------------------------------------------------
def test_rl_inclui_responsavel_com_auditoria_e_email(
    parceiro, rl, outro_usuario, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        vinculo = services.incluir_responsavel(parceiro, outro_usuario, ator=rl, cargo="Contador")

    vinculo = recarregar(vinculo)
    assert (vinculo.usuario, vinculo.papel, vinculo.cargo, vinculo.ativo, vinculo.criado_por) == (
        outro_usuario,
        Vinculo.Papel.RI,
        "Contador",
        True,
        rl,
    )
    assert RegistroAuditoria.objects.filter(
        acao="vinculo.ri_incluido",
        objeto_id=str(vinculo.pk),
        ator=rl,
        usuario_afetado=outro_usuario,
    ).exists()
    email = ultimo_email("responsavel_incluido")
    assert email.destinatario == outro_usuario.email
    assert parceiro.razao_social in email.corpo_texto
    assert [m.to for m in mailoutbox] == [[outro_usuario.email]]


def test_incluir_o_mesmo_responsavel_duas_vezes_e_recusado(parceiro, rl, ri):
    emails = EmailSaida.objects.filter(evento="responsavel_incluido").count()
    with pytest.raises(ValidationError, match="já é responsável"):
        services.incluir_responsavel(parceiro, ri, ator=rl)
    assert Vinculo.objects.filter(parceiro=parceiro, usuario=ri, ativo=True).count() == 1
    assert EmailSaida.objects.filter(evento="responsavel_incluido").count() == emails


def test_rl_nao_se_inclui_como_responsavel(parceiro, rl):
    with pytest.raises(ValidationError):
        services.incluir_responsavel(parceiro, rl, ator=rl)
    assert not Vinculo.objects.filter(parceiro=parceiro, papel=Vinculo.Papel.RI).exists()


def test_remover_responsavel_encerra_vinculo_e_guarda_historico(
    parceiro, rl, ri, mailoutbox, django_capture_on_commit_callbacks
):
    vinculo = Vinculo.objects.get(parceiro=parceiro, usuario=ri, ativo=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.remover_responsavel(vinculo, ator=rl)

    vinculo = recarregar(vinculo)
    assert not vinculo.ativo and vinculo.encerrado_em is not None and vinculo.encerrado_por == rl
    assert RegistroAuditoria.objects.filter(
        acao="vinculo.ri_removido", objeto_id=str(vinculo.pk), ator=rl, usuario_afetado=ri
    ).exists()
    email = ultimo_email("responsavel_removido")
    assert email.destinatario == ri.email
    assert [m.to for m in mailoutbox] == [[ri.email]]

    # remover de novo não muda nada nem avisa outra vez
    services.remover_responsavel(vinculo, ator=rl)
    assert EmailSaida.objects.filter(evento="responsavel_removido").count() == 1
    # e a pessoa pode ser incluída de novo, com o histórico preservado
    services.incluir_responsavel(parceiro, ri, ator=rl)
    assert Vinculo.objects.filter(parceiro=parceiro, usuario=ri).count() == 2
