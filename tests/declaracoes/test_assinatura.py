"""Assinatura da Declaração de Autenticidade pelo RL: senha conferida (com bloqueio como no
login), evidências gravadas, texto e PDF com SHA-256, código de verificação, contexto do PDF."""

import hashlib
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.utils import timezone

from accounts.autenticacao import chave_do_cpf
from cagec.core.models import RegistroAuditoria
from declaracoes import selectors, services
from declaracoes.forms import AssinaturaForm
from declaracoes.models import Declaracao
from parceiros import analise
from parceiros import selectors as selectors_parceiros
from parceiros import services as parceiros
from parceiros.models import Solicitacao
from tests.factories import CNPJ_ALFANUMERICO, SENHA, pdf_pequeno

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]

T = Solicitacao.Tipo
CNPJ_FORMATADO = "18.000.001/0001-00"
CROCKFORD = re.compile(r"[0-9A-HJKMNP-TV-Z]{16}")
MENSAGEM = "CPF ou senha não conferem com os do representante legal. Nada foi assinado."


def cpf_formatado(cpf):
    return f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}"


def cpf_mascarado(cpf):
    return f"***.{cpf[3:6]}.{cpf[6:9]}-**"


def formulario(signatario, cpf, senha):
    """O formulário como a view o usa: com o POST que o navegador enviou (o django-axes lê o
    CPF da tentativa do POST)."""
    dados = {"cpf": cpf, "senha": senha}
    requisicao = RequestFactory().post("/solicitacoes/1/assinar/", dados, REMOTE_ADDR="10.0.0.7")
    return AssinaturaForm(requisicao, signatario, requisicao.POST)


def aguardando_assinatura(rl, parceiro, tipo=T.DOCUMENTOS):
    """Atualização preparada pelo próprio RL, com dois documentos, enviada para assinatura."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    solicitacao = parceiros.iniciar_atualizacao(parceiro, tipo, ator=rl)
    if tipo == T.DOCUMENTOS:
        obrigacoes = selectors_parceiros.obrigacoes_da_solicitacao(solicitacao)
        parceiros.anexar_documento(
            solicitacao,
            ator=rl,
            obrigacao=obrigacoes.get(nome="Inscrição no CNPJ"),
            arquivo=SimpleUploadedFile("cartao-cnpj.pdf", pdf_pequeno("CNPJ")),
        )
        parceiros.anexar_documento(
            solicitacao,
            ator=rl,
            obrigacao=obrigacoes.get(nome="Comprovação de endereço da sede"),
            arquivo=SimpleUploadedFile("conta-de-luz.pdf", pdf_pequeno("Endereço")),
            data_emissao=date(2026, 3, 1),
        )
    return parceiros.enviar_para_assinatura(solicitacao, ator=rl)


@pytest.fixture
def solicitacao(rl, parceiro):
    return aguardando_assinatura(rl, parceiro)


@pytest.fixture
def declaracao(solicitacao, rl):
    return services.assinar(
        solicitacao, ator=rl, ip="200.10.20.30", user_agent="Mozilla/5.0 (X11; Linux) Teste"
    )


# --- Senha errada e bloqueio --------------------------------------------------------------------
def test_senha_errada_invalida_o_formulario_e_nada_e_assinado(solicitacao, rl):
    form = formulario(rl, rl.cpf, "Errada#123")
    assert not form.is_valid()
    assert form.non_field_errors() == [MENSAGEM]
    assert not Declaracao.objects.exists()
    assert selectors.pendentes_de_assinatura(rl) == [solicitacao]
    # a tentativa conta para o bloqueio do CPF, como no login
    assert AccessAttempt.objects.get(username=chave_do_cpf(rl.cpf)).failures_since_start == 1


def test_senha_errada_na_pagina_de_assinatura_mostra_a_mensagem_e_nao_assina(
    solicitacao, rl, client
):
    client.force_login(rl)
    resposta = client.post(
        f"/solicitacoes/{solicitacao.pk}/assinar/", {"cpf": rl.cpf, "senha": "Errada#123"}
    )
    assert resposta.status_code == 200
    assert MENSAGEM in resposta.content.decode()
    assert not Declaracao.objects.exists()
    assert (
        Solicitacao.objects.get(pk=solicitacao.pk).status
        == Solicitacao.Status.AGUARDANDO_ASSINATURA
    )


def test_cpf_pontuado_e_senha_certa_validam_o_formulario(rl):
    form = formulario(rl, cpf_formatado(rl.cpf), SENHA)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["cpf"] == rl.cpf


def test_cinco_assinaturas_erradas_bloqueiam_o_cpf_como_o_login(solicitacao, rl, client):
    for _ in range(5):
        assert not formulario(rl, rl.cpf, "Errada#123").is_valid()

    # durante o bloqueio nem a senha certa assina, nem entra no portal
    certa = formulario(rl, rl.cpf, SENHA)
    assert not certa.is_valid()
    assert certa.non_field_errors() == [MENSAGEM]
    assert client.post("/entrar/", {"cpf": rl.cpf, "senha": SENHA}).status_code == 429
    assert not Declaracao.objects.exists()

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert formulario(rl, rl.cpf, SENHA).is_valid()


def test_quinta_assinatura_errada_na_pagina_mostra_o_bloqueio(solicitacao, rl, client):
    client.force_login(rl)
    url = f"/solicitacoes/{solicitacao.pk}/assinar/"
    for _ in range(4):
        assert client.post(url, {"cpf": rl.cpf, "senha": "Errada#123"}).status_code == 200
    quinta = client.post(url, {"cpf": rl.cpf, "senha": "Errada#123"})
    assert quinta.status_code == 429
    assert "/recuperar-senha/" in quinta.content.decode()
    assert client.post(url, {"cpf": rl.cpf, "senha": SENHA}).status_code == 429
    assert not Declaracao.objects.exists()


def test_bloqueio_da_assinatura_e_do_cpf_e_nao_de_outra_pessoa(rl, outro_rl):
    for _ in range(5):
        formulario(rl, rl.cpf, "Errada#123").is_valid()
    assert formulario(outro_rl, outro_rl.cpf, SENHA).is_valid()


def test_cpf_de_outra_pessoa_com_a_senha_dela_nao_assina_pelo_rl(rl, outro_rl):
    form = formulario(rl, outro_rl.cpf, SENHA)
    assert not form.is_valid()
    assert form.non_field_errors() == [MENSAGEM]


# --- Assinatura correta ---------------------------------------------------------------------------
def test_assinatura_pela_pagina_grava_ip_e_navegador_e_mostra_o_codigo(solicitacao, rl, client):
    client.force_login(rl)
    resposta = client.post(
        f"/solicitacoes/{solicitacao.pk}/assinar/",
        {"cpf": cpf_formatado(rl.cpf), "senha": SENHA},
        HTTP_USER_AGENT="Mozilla/5.0 Navegador de Teste",
        REMOTE_ADDR="177.1.2.3",
        follow=True,
    )
    declaracao = Declaracao.objects.get()
    assert resposta.redirect_chain[-1][0] == f"/solicitacoes/{solicitacao.pk}/"
    assert declaracao.codigo_formatado in resposta.content.decode()
    assert (declaracao.ip, declaracao.user_agent) == ("177.1.2.3", "Mozilla/5.0 Navegador de Teste")
    assert selectors.pendentes_de_assinatura(rl) == []


def test_assinatura_grava_as_evidencias(declaracao, solicitacao, rl, parceiro):
    declaracao = Declaracao.objects.get(pk=declaracao.pk)
    assert declaracao.solicitacao == solicitacao
    assert declaracao.signatario == rl
    assert declaracao.signatario_nome == "Rita Representante"
    assert declaracao.signatario_cpf == rl.cpf
    assert declaracao.ip == "200.10.20.30"
    assert declaracao.user_agent == "Mozilla/5.0 (X11; Linux) Teste"
    assert declaracao.metodo == Declaracao.Metodo.SENHA == "senha"
    assert declaracao.tipo == Declaracao.Tipo.AUTENTICIDADE
    assert (declaracao.cnpj, declaracao.razao_social) == (parceiro.cnpj, parceiro.razao_social)
    assert timezone.now() - declaracao.assinada_em < timedelta(minutes=1)
    assert declaracao.revogada_em is None
    # assinar é o último ato: a solicitação vai para análise, enviada na hora da assinatura
    enviada = Solicitacao.objects.get(pk=solicitacao.pk)
    assert enviada.status == Solicitacao.Status.EM_ANALISE
    assert abs(enviada.enviada_em - declaracao.assinada_em) < timedelta(seconds=5)
    auditoria = RegistroAuditoria.objects.get(acao="declaracao.assinada", ator=rl)
    assert auditoria.objeto_id == str(declaracao.pk)
    assert auditoria.depois == {"codigo": declaracao.codigo, "sha256_pdf": declaracao.sha256_pdf}


def test_user_agent_longo_e_cortado_em_300(solicitacao, rl):
    declaracao = services.assinar(solicitacao, ator=rl, user_agent="A" * 1000)
    assert Declaracao.objects.get(pk=declaracao.pk).user_agent == "A" * 300


def test_texto_assinado_tem_cnpj_hashes_dos_documentos_e_cpf_mascarado(declaracao, rl, solicitacao):
    texto = declaracao.texto
    assert texto.startswith("DECLARAÇÃO DE AUTENTICIDADE DOS DOCUMENTOS APRESENTADOS")
    assert CNPJ_FORMATADO in texto
    assert "MUNICIPIO DE SAO JOSE DAS ALMAS" in texto
    assert f"solicitação nº {solicitacao.pk}" in texto
    documentos = list(solicitacao.documentos.all())
    assert len(documentos) == 2
    for documento in documentos:
        assert f"SHA-256 {documento.sha256}" in texto
        assert documento.nome_original in texto
    assert "emitido em 01/03/2026" in texto
    assert f"CPF {cpf_mascarado(rl.cpf)}" in texto
    assert rl.cpf not in texto and cpf_formatado(rl.cpf) not in texto
    assert declaracao.sha256_texto == hashlib.sha256(texto.encode()).hexdigest()
    # o texto guardado é o mesmo que a página de assinatura mostrou
    assert texto == services.texto_da_declaracao(solicitacao, ator=rl)


def test_texto_de_atualizacao_de_dados_traz_os_contatos_propostos(rl, parceiro):
    solicitacao = parceiros.iniciar_atualizacao(parceiro, T.DADOS, ator=rl)
    parceiros.salvar_dados(
        solicitacao,
        ator=rl,
        site="https://saojosedasalmas.mg.gov.br",
        email_institucional="gabinete@saojosedasalmas.mg.gov.br",
        telefone="3135591000",
    )
    solicitacao = parceiros.enviar_para_assinatura(solicitacao, ator=rl)
    texto = services.assinar(solicitacao, ator=rl).texto
    assert "endereço internet https://saojosedasalmas.mg.gov.br" in texto
    assert "telefone (31) 3559-1000" in texto
    assert rl.cpf not in texto


def test_codigo_tem_16_caracteres_crockford_e_e_unico(declaracao, rl, parceiro):
    assert CROCKFORD.fullmatch(declaracao.codigo)
    outra = services.assinar(aguardando_assinatura(rl, parceiro, T.DADOS), ator=rl)
    assert CROCKFORD.fullmatch(outra.codigo)
    assert outra.codigo != declaracao.codigo
    assert re.fullmatch(r"(?:[0-9A-Z]{4}-){3}[0-9A-Z]{4}", declaracao.codigo_formatado)
    assert declaracao.codigo_formatado.replace("-", "") == declaracao.codigo


def test_codigo_repetido_sorteia_outro_sem_estragar_o_pdf_da_outra_declaracao(
    declaracao, rl, parceiro, monkeypatch, media_temporaria
):
    pdf_da_primeira = (media_temporaria / declaracao.pdf.name).read_bytes()
    sorteios = iter([declaracao.codigo, "ABCDEFGHJKMNPQRS"])
    monkeypatch.setattr(services, "gerar_codigo", lambda: next(sorteios))

    outra = services.assinar(aguardando_assinatura(rl, parceiro, T.DADOS), ator=rl)

    assert outra.codigo == "ABCDEFGHJKMNPQRS"
    assert (media_temporaria / declaracao.pdf.name).read_bytes() == pdf_da_primeira
    assert hashlib.sha256(pdf_da_primeira).hexdigest() == declaracao.sha256_pdf
    # o PDF da tentativa recusada não fica para trás
    assert sorted(p.name for p in media_temporaria.rglob("*.pdf") if "declaracoes" in str(p)) == (
        sorted([f"{declaracao.codigo}.pdf", "ABCDEFGHJKMNPQRS.pdf"])
    )


def test_pdf_guardado_e_um_pdf_com_o_sha256_gravado(declaracao, media_temporaria):
    conteudo = (media_temporaria / declaracao.pdf.name).read_bytes()
    assert conteudo.startswith(b"%PDF-")
    assert hashlib.sha256(conteudo).hexdigest() == declaracao.sha256_pdf
    assert declaracao.pdf.name.endswith(f"/{declaracao.codigo}.pdf")


def test_assinar_de_novo_a_mesma_solicitacao_e_recusado(declaracao, solicitacao, rl):
    # a primeira assinatura já a encaminhou para análise
    with pytest.raises(parceiros.TransicaoInvalida, match="não está aguardando assinatura"):
        services.assinar(solicitacao, ator=rl)
    assert Declaracao.objects.count() == 1


def test_declaracao_revogada_deixa_de_valer_e_o_rl_assina_de_novo(
    declaracao, solicitacao, rl, analista
):
    assert services.revogar(declaracao, ator=analista, motivo="Assinada por engano") == 1
    solicitacao = Solicitacao.objects.get(pk=solicitacao.pk)
    # revogada durante a análise: a solicitação segue em análise sem declaração válida (a
    # linha do tempo mostra a revogação); a análise a devolve e o RL assina de novo
    assert solicitacao.status == Solicitacao.Status.EM_ANALISE
    assert selectors.declaracao_vigente(solicitacao) is None
    assert selectors.pendentes_de_assinatura(rl) == []
    eventos = [e["texto"] for e in selectors_parceiros.linha_do_tempo(solicitacao)]
    assert "A declaração foi revogada." in eventos
    analise.decidir(
        solicitacao, ator=analista, decisao=Solicitacao.Status.DEVOLVIDA, motivo="Assine de novo."
    )
    solicitacao = parceiros.enviar_para_assinatura(solicitacao, ator=rl)
    assert selectors.pendentes_de_assinatura(rl) == [solicitacao]

    nova = services.assinar(solicitacao, ator=rl)
    solicitacao = Solicitacao.objects.get(pk=solicitacao.pk)
    assert selectors.declaracao_vigente(solicitacao) == nova != declaracao
    assert solicitacao.status == Solicitacao.Status.EM_ANALISE


def test_so_se_assina_o_que_esta_aguardando_assinatura(rl, parceiro):
    rascunho = parceiros.iniciar_atualizacao(parceiro, T.DADOS, ator=rl)
    with pytest.raises(parceiros.TransicaoInvalida):
        services.assinar(rascunho, ator=rl)
    assert not Declaracao.objects.exists()


# --- Contexto do PDF --------------------------------------------------------------------------
def valores(contexto):
    for valor in contexto.values():
        if isinstance(valor, list | tuple):
            yield from (str(v) for v in valor)
        else:
            yield str(valor)


def test_contexto_do_pdf_campo_a_campo():
    cpf = "52998224725"
    texto = (
        "DECLARAÇÃO DE AUTENTICIDADE DOS DOCUMENTOS APRESENTADOS\n\n"
        "Eu, Fulana de Tal, CPF ***.982.247-**, declaro.\n\n"
        "Documentos apresentados:\n1. Inscrição no CNPJ — SHA-256 abc"
    )
    declaracao = Declaracao(
        cnpj=CNPJ_ALFANUMERICO,
        razao_social="ASSOCIACAO DOS MORADORES",
        signatario_nome="Fulana de Tal",
        signatario_cpf=cpf,
        texto=texto,
        sha256_texto=hashlib.sha256(texto.encode()).hexdigest(),
        assinada_em=datetime(2026, 3, 10, 15, 30, 5, tzinfo=UTC),
        ip="200.10.20.30",
        codigo="0123456789ABCDEF",
    )

    contexto = services.contexto_pdf(declaracao)

    assert contexto["titulo"] == "Declaração de Autenticidade dos Documentos Apresentados"
    assert contexto["paragrafos"] == [
        "DECLARAÇÃO DE AUTENTICIDADE DOS DOCUMENTOS APRESENTADOS",
        "Eu, Fulana de Tal, CPF ***.982.247-**, declaro.",
        "Documentos apresentados:\n1. Inscrição no CNPJ — SHA-256 abc",
    ]
    assert contexto["signatario"] == "Fulana de Tal"
    assert contexto["cpf_mascarado"] == "***.982.247-**"
    assert contexto["codigo"] == "0123-4567-89AB-CDEF"
    assert contexto["url_verificacao"] == "http://testserver/verificar/0123456789ABCDEF/"
    assert contexto["cnpj"] == "12.ABC.345/01DE-35"
    assert contexto["razao_social"] == "ASSOCIACAO DOS MORADORES"
    assert contexto["sha256_texto"] == declaracao.sha256_texto
    assert contexto["metodo"] == "Usuário e senha"
    assert all("200.10.20.30" not in v for v in valores(contexto))  # IP: evidência interna
    # horário de Brasília (UTC−3)
    assert contexto["assinada_em"].strftime("%d/%m/%Y %H:%M:%S") == "10/03/2026 12:30:05"
    assert contexto["assinada_em"].utcoffset() == timedelta(hours=-3)
    for valor in valores(contexto):
        assert cpf not in valor and "529.982.247-25" not in valor


def test_contexto_do_pdf_de_uma_assinatura_real_nao_tem_o_cpf_completo(declaracao, rl):
    contexto = services.contexto_pdf(declaracao)
    assert contexto["cpf_mascarado"] == cpf_mascarado(rl.cpf)
    assert contexto["codigo"] == declaracao.codigo_formatado
    assert contexto["url_verificacao"].endswith(f"/verificar/{declaracao.codigo}/")
    assert contexto["cnpj"] == CNPJ_FORMATADO
    assert "\n\n".join(contexto["paragrafos"]) == declaracao.texto
    for valor in valores(contexto):
        assert rl.cpf not in valor and cpf_formatado(rl.cpf) not in valor


def test_pdf_renderizado_tem_cnpj_e_codigo_e_nao_o_cpf(declaracao, rl, media_temporaria):
    from pypdf import PdfReader

    leitor = PdfReader(io.BytesIO((media_temporaria / declaracao.pdf.name).read_bytes()))
    texto = " ".join(" ".join(pagina.extract_text().split()) for pagina in leitor.pages)
    assert CNPJ_FORMATADO in texto
    assert declaracao.codigo_formatado in texto
    assert cpf_mascarado(rl.cpf) in texto
    assert rl.cpf not in texto.replace(".", "").replace("-", "").replace(" ", "")
