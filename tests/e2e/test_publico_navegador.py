"""De ponta a ponta, como um visitante sem login: consulta pública, CRC em PDF e verificação
de autenticidade pelo código e pelo próprio arquivo (produto §5.1 a §5.3).

Só se interage pela tela (rótulos, papéis e textos visíveis). Os atalhos são preparar as
organizações com os serviços (como uma aprovação faria) e ler o PDF do CRC: ele abre no leitor
de PDF do próprio Chromium, que fica com o corpo da resposta, então os bytes vêm de um novo
pedido no mesmo contexto; o código de verificação é lido com o ``pypdf`` e o QR com o
``zxingcpp``, como quem aponta a câmera.
"""

import dataclasses
import io
import re
from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTEFATOS, _nome_arquivo
from tests.e2e.test_inscricao_navegador import botao, caminho, campo, enviar
from tests.factories import (
    CNPJ_ASSOCIACAO,
    CNPJ_MUNICIPIO,
    UsuarioFactory,
    parceiro_com_rl,
    pdf_pequeno,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RAZAO_SOCIAL = "Associação São José de Apoio à Criança e ao Adolescente"
CNPJ_FORMATADO = "07.000.001/0001-85"
BUSCA = "ASSOCIACAO SAO JOSE"  # sem acentos e em maiúsculas: tem de achar mesmo assim
OUTRA = "MUNICIPIO DE SAO JOSE DAS ALMAS"  # também tem "SAO JOSE", mas não casa a busca
CELULAR = {"width": 390, "height": 844}
CODIGO_NO_PDF = re.compile(r"Código de verificação:\s*([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})")
NAO_AUTENTICO = "Este arquivo não confere com nenhum documento emitido pelo CAGEC."


# --- Preparação pelos serviços ----------------------------------------------------------------


@pytest.fixture
def representante(transactional_db):
    return UsuarioFactory(aceitou_termo=True, nome="Rosângela Conceição Araújo")


@pytest.fixture
def associacao(representante):
    """A associação da Receita offline, com a razão social acentuada, e a RL vinculada."""
    from parceiros import receita, services
    from parceiros.models import TipoParceiro

    registro = dataclasses.replace(
        receita.consultar_cnpj(CNPJ_ASSOCIACAO), razao_social=RAZAO_SOCIAL
    )
    tipo = TipoParceiro.objects.filter(naturezas__codigo=registro.natureza_juridica_codigo).first()
    parceiro = services.cadastrar_parceiro(registro, tipo)
    services.vincular_rl(
        parceiro,
        representante,
        cargo="Presidente",
        mandato_inicio=date(2025, 1, 1),
        mandato_fim=date(2028, 12, 31),
    )
    return parceiro


@pytest.fixture
def municipio(transactional_db):
    """Outra organização, com "SAO JOSE" no nome, que a busca não deve trazer."""
    return parceiro_com_rl(cnpj=CNPJ_MUNICIPIO)


# --- Ajudantes --------------------------------------------------------------------------------


def resultados(page):
    """A seção "Resultados" da consulta (``<section aria-labelledby>``: papel ``region``)."""
    return page.get_by_role("region", name="Resultados")


def linhas_da_tabela(page, texto):
    return resultados(page).get_by_role("row").filter(has_text=texto)


def definicao(page, termo):
    """O ``<dd>`` que segue o ``<dt>`` ``termo`` na página de verificação."""
    dt = page.locator("main dt").filter(has_text=re.compile(rf"^\s*{re.escape(termo)}\s*$"))
    return dt.locator("xpath=following-sibling::dd[1]")


def texto_do_pdf(conteudo):
    from pypdf import PdfReader

    leitor = PdfReader(io.BytesIO(conteudo))
    return " ".join(" ".join(pagina.extract_text().split()) for pagina in leitor.pages)


def qr_do_pdf(conteudo, prefixo):
    """O texto do QR do CRC (na última página), lido da imagem renderizada da página.

    Cada página fica em ``artefatos/e2e/<prefixo>-crc-pagina-N.png``, para quem revisa as
    capturas ver o PDF também (o Chromium sem interface não mostra PDFs).
    """
    import pypdfium2
    import zxingcpp

    documento = pypdfium2.PdfDocument(conteudo)
    try:
        imagens = [pagina.render(scale=2).to_pil() for pagina in documento]
    finally:
        documento.close()
    for numero, imagem in enumerate(imagens, start=1):
        imagem.save(ARTEFATOS / f"{prefixo}-crc-pagina-{numero}.png")
    lidos = zxingcpp.read_barcodes(imagens[-1], formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(lidos) == 1, f"esperava um QR na última página do CRC, li {len(lidos)}"
    return lidos[0].text


def sem_rolagem_lateral(page):
    """A página não passa da largura da janela (a tabela rola dentro da própria caixa)."""
    larguras = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert larguras[0] <= larguras[1], f"a página rola para o lado: {larguras}"


# --- O teste ----------------------------------------------------------------------------------


def test_visitante_consulta_emite_crc_e_verifica_pelo_codigo_e_pelo_arquivo(
    pagina, nova_aba, tela, portal, request, associacao, municipio, representante
):
    page = pagina

    # --- 1. Início → Consultar organizações, sem entrar
    page.goto("/")
    page.get_by_role("navigation", name="Acesso rápido").get_by_role(
        "link", name=re.compile(r"^Consultar organizações")
    ).click()
    expect(page).to_have_url(f"{portal.url}/consulta/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Consulta pública de Parceiros/Convenentes"
    )
    for rotulo in ("Nome", "CNPJ", "Município", "Tipo", "Situação"):
        expect(campo(page, rotulo)).to_be_visible()
    # Sem CPF na consulta pública (issue #11): a busca por CPF exige login.
    expect(page.locator('input[name="cpf"]')).to_have_count(0)
    expect(page.get_by_role("link", name="consulte pelo CPF")).to_have_attribute(
        "href", "/consulta/cpf/"
    )
    expect(resultados(page)).to_have_count(0)

    # --- 2. Parte do nome, sem acentos e em maiúsculas
    campo(page, "Nome").fill(BUSCA)
    with page.expect_navigation():
        botao(page, "Consultar").click()
    expect(page).to_have_url(re.compile(r"/consulta/\?"))
    parametros = parse_qs(urlsplit(page.url).query)
    assert parametros["nome"] == [BUSCA], page.url
    expect(campo(page, "Nome")).to_have_value(BUSCA)
    expect(resultados(page)).to_contain_text("1 organização encontrada.")
    linha = linhas_da_tabela(page, RAZAO_SOCIAL)
    expect(linha).to_have_count(1)
    expect(linha).to_contain_text(CNPJ_FORMATADO)
    expect(linha).to_contain_text("BELO HORIZONTE")
    expect(linha.locator(".badge")).to_have_text("Irregular")
    expect(linhas_da_tabela(page, OUTRA)).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text(representante.cpf)
    tela("consulta-resultados")
    endereco_da_consulta = page.url

    # A mesma consulta pelo endereço (favorito, link enviado), num celular de 390 px
    celular = nova_aba(viewport=CELULAR, is_mobile=True, has_touch=True)
    celular.goto(endereco_da_consulta)
    expect(linhas_da_tabela(celular, RAZAO_SOCIAL)).to_have_count(1)
    expect(linhas_da_tabela(celular, OUTRA)).to_have_count(0)
    expect(campo(celular, "Nome")).to_have_value(BUSCA)
    tela("celular-consulta-resultados", celular)  # a largura: ver o defeito no fim do arquivo

    # --- 3. Emitir CRC: abre no leitor de PDF do Chromium (inline, não é download)
    emitir = linha.get_by_role("link", name=f"Emitir CRC de {RAZAO_SOCIAL}", exact=True)
    expect(emitir).to_be_visible()
    href = emitir.get_attribute("href")
    assert href == f"/consulta/{associacao.cnpj}/crc/"
    with (
        page.expect_response(lambda r: caminho(r.url) == href) as aberto,
        page.expect_event(
            "framenavigated", predicate=lambda f: f.url.startswith("chrome-extension://")
        ) as leitor,
    ):
        emitir.click()
    aberto = aberto.value
    assert aberto.status == 200
    assert aberto.headers["content-type"] == "application/pdf"
    assert aberto.headers["content-disposition"].startswith("inline")
    expect(page).to_have_url(f"{portal.url}{href}")
    # O título do leitor vem do PDF: CNPJ e código de verificação
    titulo_no_leitor = leitor.value.get_by_text(re.compile(rf"^CRC {re.escape(CNPJ_FORMATADO)} — "))
    expect(titulo_no_leitor).to_be_visible()
    titulo_no_leitor = titulo_no_leitor.text_content().strip()
    tela("crc-no-leitor-de-pdf")

    # O leitor de PDF fica com o corpo da resposta: os bytes vêm de um novo pedido, com os
    # mesmos cookies. No mesmo dia e sem mudança no cadastro, é o mesmo certificado.
    resposta = page.context.request.get(href)
    assert resposta.status == 200
    assert resposta.headers["content-type"] == "application/pdf"
    assert resposta.headers["content-disposition"] == aberto.headers["content-disposition"]
    pdf = resposta.body()
    assert pdf.startswith(b"%PDF-")

    # Voltar leva à mesma consulta
    page.go_back()
    expect(page).to_have_url(endereco_da_consulta)
    expect(linhas_da_tabela(page, RAZAO_SOCIAL)).to_have_count(1)

    texto = texto_do_pdf(pdf)
    achado = CODIGO_NO_PDF.search(texto)
    assert achado, f"código de verificação não encontrado no texto do PDF: {texto[-400:]}"
    codigo = achado.group(1)
    codigo_guardado = codigo.replace("-", "")
    assert f"crc-{associacao.cnpj}-{codigo_guardado}.pdf" in resposta.headers["content-disposition"]
    assert RAZAO_SOCIAL in texto
    assert CNPJ_FORMATADO in texto
    assert "Situação Irregular" in texto
    assert representante.nome in texto
    assert representante.cpf not in texto.replace(".", "").replace("-", "").replace(" ", "")
    assert titulo_no_leitor == f"CRC {CNPJ_FORMATADO} — {codigo}"  # o mesmo certificado

    # O QR leva à verificação deste código no próprio portal
    url_do_qr = qr_do_pdf(pdf, _nome_arquivo(request.node.name))
    assert url_do_qr == f"{portal.url}/verificar/{codigo_guardado}/"

    # Pedir de novo devolve o mesmo certificado, byte a byte
    assert page.context.request.get(href).body() == pdf

    # --- 4. Verificar pelo código: minúsculas e sem hífens
    page.locator("main").get_by_role("link", name="Verificar autenticidade").click()
    expect(page).to_have_url(f"{portal.url}/verificar/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verificar autenticidade")
    campo(page, "Código de verificação").fill(codigo_guardado.lower())
    tela("verificar-codigo-digitado")
    resposta = enviar(page, "Verificar", caminho_post="/verificar/")
    assert resposta.status == 302
    expect(page).to_have_url(f"{portal.url}/verificar/{codigo_guardado}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Documento autêntico")
    principal = page.locator("main")
    expect(principal.get_by_role("status")).to_contain_text(
        "Este CRC foi emitido pelo Portal CAGEC e não foi revogado."
    )
    expect(principal.get_by_role("status")).not_to_contain_text("idêntico ao original")
    expect(definicao(page, "Código de verificação")).to_have_text(codigo)
    expect(definicao(page, "Parceiro/Convenente")).to_contain_text(RAZAO_SOCIAL)
    expect(definicao(page, "Parceiro/Convenente")).to_contain_text(f"CNPJ {CNPJ_FORMATADO}")
    expect(definicao(page, "Situação na emissão")).to_have_text("Irregular")
    expect(definicao(page, "Situação hoje")).to_have_text("Irregular")
    expect(principal).not_to_contain_text(representante.cpf)
    tela("verificado-pelo-codigo")

    # O original baixado da verificação é o mesmo PDF
    original = principal.get_by_role("link", name="Baixar o PDF original")
    assert page.context.request.get(original.get_attribute("href")).body() == pdf

    # O endereço do QR (e o código digitado na barra, com hífens e minúsculas) dão no mesmo
    page.goto(url_do_qr)
    expect(page.get_by_role("heading", level=1)).to_have_text("Documento autêntico")
    page.goto(f"/verificar/{codigo.lower()}/")
    expect(page).to_have_url(f"{portal.url}/verificar/{codigo_guardado}/")
    expect(definicao(page, "Código de verificação")).to_have_text(codigo)

    # --- 5. Verificar pelo arquivo: o PDF baixado, idêntico
    principal.get_by_role("link", name="Verificar outro documento").click()
    expect(page).to_have_url(f"{portal.url}/verificar/")
    campo(page, "Ou envie o arquivo PDF").set_input_files(
        files=[{"name": f"crc-{codigo_guardado}.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    resposta = enviar(page, "Verificar", caminho_post="/verificar/")
    assert resposta.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Documento autêntico")
    expect(principal.get_by_role("status")).to_contain_text(
        "O arquivo enviado é idêntico ao original"
    )
    expect(definicao(page, "Código de verificação")).to_have_text(codigo)
    expect(definicao(page, "Parceiro/Convenente")).to_contain_text(RAZAO_SOCIAL)
    expect(definicao(page, "Situação hoje")).to_have_text("Irregular")
    tela("arquivo-identico")

    # O mesmo PDF com um byte trocado não confere
    alterado = bytearray(pdf)
    meio = len(alterado) // 2
    alterado[meio] ^= 0x01
    assert bytes(alterado) != pdf
    principal.get_by_role("link", name="Verificar outro documento").click()
    expect(page).to_have_url(f"{portal.url}/verificar/")
    campo(page, "Ou envie o arquivo PDF").set_input_files(
        files=[
            {
                "name": f"crc-{codigo_guardado}.pdf",
                "mimeType": "application/pdf",
                "buffer": bytes(alterado),
            }
        ]
    )
    resposta = enviar(page, "Verificar", caminho_post="/verificar/")
    assert resposta.status == 200
    expect(page).to_have_url(f"{portal.url}/verificar/")
    # Issue #13: "não confere" é o resultado da verificação, não um erro do formulário.
    expect(page.get_by_role("heading", level=1)).to_have_text("Arquivo não confere")
    expect(principal.get_by_role("status")).to_contain_text(NAO_AUTENTICO)
    expect(page.locator("#resumo-erros")).to_have_count(0)
    expect(principal).not_to_contain_text("Corrija")
    tela("arquivo-alterado")

    assert page.erros_js == [], page.erros_js
    assert celular.erros_js == [], celular.erros_js


# --- Defeitos já corrigidos (os testes ficam para não voltarem) --------------------------------


def test_consulta_com_resultados_cabe_na_largura_do_celular(nova_aba, associacao):
    celular = nova_aba(viewport=CELULAR, is_mobile=True, has_touch=True)
    celular.goto(f"/consulta/?{urlencode({'nome': BUSCA})}")
    expect(linhas_da_tabela(celular, RAZAO_SOCIAL)).to_have_count(1)
    sem_rolagem_lateral(celular)


def test_erro_do_campo_fica_ligado_ao_campo_pelo_aria_describedby(pagina):
    page = pagina
    page.goto("/consulta/")
    campo(page, "Nome").fill("ab")
    with page.expect_navigation():
        botao(page, "Consultar").click()
    expect(page.locator("#resumo-erros")).to_contain_text("Digite ao menos 3 letras do nome.")
    nome = campo(page, "Nome")
    expect(nome).to_have_attribute("aria-invalid", "true")
    ids = nome.get_attribute("aria-describedby").split()
    ausentes = [i for i in ids if page.locator(f"#{i}").count() == 0]
    assert ausentes == [], f"aria-describedby aponta para ids que não existem: {ausentes}"


def test_arquivo_que_nao_confere_e_um_resultado_com_o_campo_do_codigo(pagina):
    page = pagina
    page.goto("/verificar/")
    arquivo = campo(page, "Ou envie o arquivo PDF")
    arquivo.set_input_files(
        files=[{"name": "outro.pdf", "mimeType": "application/pdf", "buffer": pdf_pequeno()}]
    )
    assert enviar(page, "Verificar", caminho_post="/verificar/").status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Arquivo não confere")
    expect(page.get_by_role("status")).to_contain_text(NAO_AUTENTICO)
    expect(campo(page, "Código de verificação")).to_be_visible()
