"""Datas, telefones, CEP e CNAE no formato brasileiro em toda página, PDF e e-mail.

Os dados da Receita ficam guardados como vieram (``2011-02-01``, ``3132815500``,
``35400000``, ``8411600``); nenhuma página, PDF ou e-mail pode mostrá-los assim. Uma
inscrição percorre o caminho real (assistente, assinatura, análise aprovada) e cada tela
por onde ela passa é lida como texto: nenhuma data ISO, nenhum telefone só de dígitos.
"""

import io
import re
from datetime import date
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Usuario
from cagec.core.models import EmailSaida
from cagec.lib import pdf
from declaracoes import crc
from declaracoes import services as declaracoes
from parceiros import analise, selectors, services
from parceiros.models import Obrigacao, Parceiro, Solicitacao, TipoParceiro
from tests.factories import CNPJ_LIVRE, CNPJ_MUNICIPIO, UsuarioFactory, parceiro_com_rl, pdf_pequeno

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]

DATA_ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
TELEFONE_CRU = re.compile(r"(?<![\d./-])\d{10,11}(?![\d/-])")
CEP_CRU = re.compile(r"CEP:? ?\d{8}\b")
CNAE_CRU = re.compile(r"\b\d{7} —")
HASH = re.compile(r"\b[0-9a-f]{64}\b")
MARCACAO = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)


@pytest.fixture(autouse=True)
def _pdf_da_declaracao_simples(monkeypatch):
    """A assinatura gera um PDF; o texto assinado é conferido à parte."""
    monkeypatch.setattr(
        declaracoes,
        "pdf",
        SimpleNamespace(
            renderizar_pdf=lambda *a, **k: pdf_pequeno("Declaração"), sha256=pdf.sha256
        ),
    )


@pytest.fixture
def analista(analista):
    analista.groups.add(Group.objects.get(name="Analista"))
    return Usuario.objects.get(pk=analista.pk)


def texto_visivel(html):
    return " ".join(HASH.sub("", MARCACAO.sub(" ", html)).split())


def texto_do_pdf(dados):
    from pypdf import PdfReader

    paginas = PdfReader(io.BytesIO(dados)).pages
    return " ".join(" ".join(p.extract_text().split()) for p in paginas)


def sem_formato_cru(texto, onde):
    for padrao in (DATA_ISO, TELEFONE_CRU, CEP_CRU, CNAE_CRU):
        achado = padrao.search(texto)
        if achado:
            trecho = texto[max(0, achado.start() - 60) : achado.end() + 30]
            pytest.fail(f"{onde}: {achado[0]!r} em …{trecho}…")


def inscricao_em_analise(rl):
    """Inscrição de uma associação pelo assistente, assinada (e com isso encaminhada)."""
    pedido = services.iniciar_inscricao(CNPJ_LIVRE, ator=rl)
    pedido = services.salvar_dados(
        pedido,
        ator=rl,
        tipo=TipoParceiro.objects.get(nome="Entidade Privada Sem Fins Lucrativos"),
        site="https://valeverde.org.br",
        email_institucional="contato@valeverde.org.br",
        telefone="3132815500",
    )
    pedido = services.salvar_representante(
        pedido,
        ator=rl,
        representante=rl,
        cargo="Presidente",
        mandato_inicio=date(2025, 1, 1),
        mandato_fim=date(2028, 12, 31),
    )
    for obrigacao in selectors.obrigacoes_da_solicitacao(pedido).filter(obrigatoria=True)[:3]:
        datas = {"data_emissao": date.today()}
        if obrigacao.regra_validade == Obrigacao.Regra.DATA_INFORMADA:
            datas = {"data_validade": date(2030, 1, 1)}
        services.anexar_documento(
            pedido,
            ator=rl,
            obrigacao=obrigacao,
            arquivo=SimpleUploadedFile("doc.pdf", pdf_pequeno(obrigacao.nome)),
            **datas,
        )
    pedido = services.enviar_para_assinatura(pedido, ator=rl)
    declaracoes.assinar(pedido, ator=rl, ip="200.10.20.30")  # a assinatura encaminha
    return Solicitacao.objects.get(pk=pedido.pk)


def test_paginas_pdfs_e_emails_no_formato_brasileiro(client, analista):
    rl = UsuarioFactory(aceitou_termo=True, telefone="31987654321")
    pedido = inscricao_em_analise(rl)
    assert pedido.dados["receita"]["data_abertura"]  # guardado em ISO: só a exibição muda
    assert DATA_ISO.fullmatch(pedido.dados["receita"]["data_abertura"])

    client.force_login(rl)
    paginas = {
        "solicitação": f"/solicitacoes/{pedido.pk}/",
        "painel": "/painel/",
        "minha conta": "/minha-conta/",
    }
    for onde, url in paginas.items():
        resposta = client.get(url)
        assert resposta.status_code == 200, (onde, resposta.status_code)
        sem_formato_cru(texto_visivel(resposta.content.decode()), onde)

    client.force_login(analista)
    decisao = client.get(f"/analise/{pedido.pk}/").content.decode()
    texto = texto_visivel(decisao)
    sem_formato_cru(texto, "decisão do analista")
    assert "(31) 3281-5500" in texto  # telefone informado
    assert "01/01/2025 a 31/12/2028" in texto  # mandato, guardado em ISO nos dados
    analise.decidir(pedido, ator=analista, decisao=Solicitacao.Status.APROVADA)

    parceiro = Parceiro.objects.get(cnpj=CNPJ_LIVRE)
    client.force_login(rl)
    pasta = texto_visivel(client.get(f"/parceiros/{parceiro.cnpj}/").content.decode())
    sem_formato_cru(pasta, "pasta digital")
    assert parceiro.data_abertura.strftime("%d/%m/%Y") in pasta
    assert f"CEP {parceiro.cep[:5]}-{parceiro.cep[5:]}" in pasta
    assert "(31) 3281-5500" in pasta

    client.logout()
    certificado = crc.crc_do_dia(parceiro)
    sem_formato_cru(texto_do_pdf(certificado.pdf.read()), "CRC")
    verificacao = client.get(f"/verificar/{certificado.codigo}/").content.decode()
    sem_formato_cru(texto_visivel(verificacao), "verificação")
    consulta = client.get("/consulta/", {"cnpj": parceiro.cnpj}).content.decode()
    sem_formato_cru(texto_visivel(consulta), "consulta")

    texto_assinado = pedido.declaracoes.get().texto
    sem_formato_cru(texto_assinado, "texto da declaração")
    assert "(31) 3281-5500" in texto_assinado

    emails = list(EmailSaida.objects.all())
    assert emails
    for email in emails:
        sem_formato_cru(f"{email.assunto}\n{email.corpo_texto}", f"e-mail {email.evento}")
        sem_formato_cru(texto_visivel(email.corpo_html), f"e-mail {email.evento} (HTML)")


def test_receita_no_assistente_mostra_data_cnae_cep_e_telefone_formatados(client):
    rl = UsuarioFactory(aceitou_termo=True)
    pedido = services.iniciar_inscricao(CNPJ_LIVRE, ator=rl)
    r = pedido.dados["receita"]
    client.force_login(rl)
    texto = texto_visivel(client.get(f"/solicitacoes/{pedido.pk}/dados/").content.decode())
    dia = date.fromisoformat(r["data_abertura"])
    assert f"Data de abertura {dia:%d/%m/%Y}" in texto
    assert f"CEP {r['cep'][:5]}-{r['cep'][5:]}" in texto
    codigo = r["cnae_principal"][:7]
    assert f"CNAE principal {codigo[:4]}-{codigo[4]}/{codigo[5:]}" in texto
    if r["telefone"]:
        assert r["telefone"] not in texto


def test_diferencas_da_atualizacao_de_dados_mostram_os_valores_da_receita_formatados():
    """O cadastro e a Receita divergem: o "antes → depois" sai no formato brasileiro."""
    rl = UsuarioFactory(aceitou_termo=True)
    parceiro = parceiro_com_rl(rl, cnpj=CNPJ_MUNICIPIO)
    Parceiro.objects.filter(pk=parceiro.pk).update(
        cep="30110000",
        telefone_receita="3132815500",
        cnae_principal="9493600 — Atividades de organizações associativas",
    )
    parceiro.refresh_from_db()
    pedido = services.iniciar_atualizacao(parceiro, Solicitacao.Tipo.DADOS, ator=rl)
    pedido = services.atualizar_da_receita(pedido, ator=rl)
    linhas = {d["campo"]: (d["antes"], d["depois"]) for d in selectors.diferencas(pedido)}
    r = pedido.dados["receita"]
    assert linhas["CEP"] == ("30110-000", f"{r['cep'][:5]}-{r['cep'][5:]}")
    assert linhas["Telefone na Receita"][0] == "(31) 3281-5500"
    assert linhas["CNAE principal"][0] == "9493-6/00 — Atividades de organizações associativas"
    for antes, depois in linhas.values():
        sem_formato_cru(f"{antes} {depois}", "diferenças")
