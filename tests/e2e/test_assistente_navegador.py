"""O assistente guia e nunca perde o trabalho (issue #13, itens 4–7), no navegador.

Nas duas larguras (1366×768 e 390×844):

* stepper ("Passo 1 de 4 — Documentos" no celular) e trilha começando em "Painel";
* passo Documentos agrupado: a página de 26 itens tem menos de 2 000 px na abertura;
* com JavaScript: as datas antes do arquivo; um erro de data não esvazia o campo do arquivo;
  o envio não recarrega a página, a confirmação aparece no item, que recebe o foco, é
  anunciada (``aria-live``) e o contador "x de N obrigatórios" muda; um PDF de 12 MB mostra
  a barra de progresso;
* sem JavaScript: o erro de data guarda o arquivo no servidor ("Arquivo já recebido") e o
  envio seguinte, só com a data, o anexa; o link da revisão abre o item que falta.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from parceiros import selectors, services
from parceiros.models import Documento, Obrigacao, Solicitacao
from tests.e2e.test_inscricao_navegador import entrar, formatar
from tests.factories import SENHA, pdf_pequeno

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LARGURAS = {"1366": {"width": 1366, "height": 768}, "390": {"width": 390, "height": 844}}
ARQUIVO = re.compile(r"^\s*Arquivo \(PDF, PNG ou JPEG, até 20 MB\)\*?\s*$")
EMISSAO = re.compile(r"^\s*Data de emissão\*?\s*$")


@pytest.fixture
def atualizacao(parceiro, rl):
    """Atualização de documentos do Município: 26 obrigações, nenhuma com documento."""
    return services.iniciar_atualizacao(parceiro, Solicitacao.Tipo.DOCUMENTOS, ator=rl)


@pytest.fixture
def arquivo(tmp_path):
    def criar(nome, tamanho=None):
        conteudo = pdf_pequeno(nome)
        if tamanho:  # PDF válido no começo; o resto é comentário (só para pesar)
            conteudo += b"%" + b"0" * (tamanho - len(conteudo) - 2) + b"\n"
        destino = tmp_path / nome
        destino.write_bytes(conteudo)
        return destino

    return criar


def _obrigacao(solicitacao, regra):
    return selectors.obrigacoes_da_solicitacao(solicitacao).filter(regra_validade=regra).first()


def _abrir_documentos(nova_aba, rl, solicitacao, largura, **opcoes):
    page = nova_aba(viewport=LARGURAS[largura], **opcoes)
    page.goto("/entrar/")
    entrar(page, formatar(rl.cpf), SENHA)
    page.goto(f"/solicitacoes/{solicitacao.pk}/documentos/")
    return page


def _item(page, obrigacao):
    return page.locator(f"#obrigacao-{obrigacao.pk}")


@pytest.mark.parametrize("largura", LARGURAS)
def test_com_javascript_envia_sem_recarregar_e_confirma_no_item(
    nova_aba, tela, rl, atualizacao, arquivo, largura
):
    page = _abrir_documentos(nova_aba, rl, atualizacao, largura)
    obrigacao = _obrigacao(atualizacao, Obrigacao.Regra.DIAS_APOS_EMISSAO)

    # Stepper e trilha
    trilha = page.get_by_role("navigation", name="Trilha")
    expect(trilha.get_by_role("link", name="Painel")).to_be_visible()
    etapas = page.get_by_role("navigation", name="Etapas da solicitação")
    expect(etapas.locator("[aria-current=step]")).to_contain_text("Documentos")
    if largura == "390":
        expect(etapas.get_by_text("Passo 1 de 4 — Documentos")).to_be_visible()
    else:
        expect(etapas.get_by_text("Revisão")).to_be_visible()
        altura = page.evaluate("document.documentElement.scrollHeight")
        assert altura < 2000, f"passo Documentos com {altura} px"
    assert page.evaluate("document.documentElement.scrollWidth") <= LARGURAS[largura]["width"]
    expect(page.locator("#contador-obrigatorios")).to_contain_text("0 de 26 obrigatórios")
    tela(f"documentos-{largura}", page)

    # O item abre; a data vem antes do arquivo
    item = _item(page, obrigacao)
    item.get_by_text("Anexar arquivo", exact=True).click()
    data, campo_arquivo = item.get_by_label(EMISSAO), item.get_by_label(ARQUIVO)
    expect(data).to_be_visible()
    assert data.evaluate(
        "(d, a) => !!(d.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING)",
        campo_arquivo.element_handle(),
    )
    page.evaluate("window.semRecarregar = true")

    # Data no futuro: erro no item, o arquivo continua escolhido
    data.fill((timezone.localdate() + timedelta(days=3)).isoformat())
    campo_arquivo.set_input_files(arquivo("comprovante.pdf"))
    with page.expect_response(lambda r: r.request.method == "POST") as resposta:
        item.get_by_role("button", name="Enviar arquivo").click()
    assert resposta.value.status == 422
    resumo = item.locator("#resumo-erros")
    expect(resumo).to_contain_text("A data de emissão não pode ser no futuro.")
    expect(resumo).to_be_focused()
    assert campo_arquivo.evaluate("c => c.files.length") == 1
    assert campo_arquivo.evaluate("c => c.files[0].name") == "comprovante.pdf"
    tela(f"erro-de-data-{largura}", page)

    # Data corrigida: anexado sem recarregar, foco no item, anúncio e contador
    data.fill(timezone.localdate().isoformat())
    with page.expect_response(lambda r: r.request.method == "POST") as resposta:
        item.get_by_role("button", name="Enviar arquivo").click()
    assert resposta.value.status == 200
    item = _item(page, obrigacao)
    expect(item.get_by_role("status")).to_contain_text(f"Documento anexado: {obrigacao.nome}.")
    expect(item.get_by_role("link", name="comprovante.pdf")).to_be_visible()
    expect(item).to_be_focused()
    expect(page.locator("#anuncio-envio")).to_contain_text(f"Documento anexado: {obrigacao.nome}.")
    expect(page.locator("#anuncio-envio")).to_have_attribute("aria-live", "polite")
    expect(page.locator("#contador-obrigatorios")).to_contain_text("1 de 26 obrigatórios")
    expect(page.locator(f"#resumo-grupo-{obrigacao.grupo_id}")).to_contain_text("1 de 7 enviado")
    assert page.evaluate("window.semRecarregar") is True
    assert Documento.objects.filter(solicitacao=atualizacao, obrigacao=obrigacao).exists()
    tela(f"anexado-{largura}", page)
    # O 422 do envio com a data errada é a resposta esperada (JSON com os erros).
    inesperados = [e for e in page.erros_js if not e.startswith("422 ")]
    assert inesperados == [], inesperados


def test_pdf_grande_mostra_a_barra_de_progresso(nova_aba, rl, atualizacao, arquivo):
    page = _abrir_documentos(nova_aba, rl, atualizacao, "1366")
    obrigacao = _obrigacao(atualizacao, Obrigacao.Regra.FIM_MANDATO)
    grande = arquivo("estatuto-digitalizado.pdf", tamanho=12 * 1024 * 1024)
    # Rede lenta para o envio (4 MB/s): a barra tem tempo de aparecer e andar.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 20,
            "downloadThroughput": -1,
            "uploadThroughput": 4 * 1024 * 1024,
        },
    )
    item = _item(page, obrigacao)
    item.get_by_text("Anexar arquivo", exact=True).click()
    item.get_by_label(ARQUIVO).set_input_files(grande)
    item.get_by_role("button", name="Enviar arquivo").click()

    progresso = item.locator("progress")
    expect(progresso).to_be_visible()
    expect(item.get_by_text("Enviando o arquivo…")).to_be_visible()
    # A barra anda (o atributo value acompanha os eventos de progresso do envio).
    expect(progresso).not_to_have_attribute("value", "0")
    item = _item(page, obrigacao)
    expect(item.get_by_role("status")).to_contain_text(
        f"Documento anexado: {obrigacao.nome}.", timeout=30_000
    )
    expect(item.locator("progress")).to_be_hidden()
    documento = Documento.objects.get(solicitacao=atualizacao, obrigacao=obrigacao)
    assert documento.tamanho == 12 * 1024 * 1024
    assert page.erros_js == [], page.erros_js


@pytest.mark.parametrize("largura", LARGURAS)
def test_sem_javascript_erro_de_data_guarda_o_arquivo(
    nova_aba, tela, rl, atualizacao, arquivo, largura
):
    page = _abrir_documentos(nova_aba, rl, atualizacao, largura, java_script_enabled=False)
    obrigacao = _obrigacao(atualizacao, Obrigacao.Regra.DATA_INFORMADA)

    # Da revisão, o link do item que falta abre o grupo e o formulário dele
    page.goto(f"/solicitacoes/{atualizacao.pk}/revisao/")
    page.get_by_text("Ver os 26 itens que faltam").click()
    page.get_by_role("link", name=f"{obrigacao.nome} — anexar").click()
    item = _item(page, obrigacao)
    validade = item.get_by_label(re.compile(r"^\s*Válido até\*?\s*$"))
    expect(validade).to_be_visible()
    expect(item).to_be_in_viewport()

    # Validade vencida + arquivo: a página volta com o erro e o arquivo guardado
    validade.fill((timezone.localdate() - timedelta(days=1)).isoformat())
    item.get_by_label(ARQUIVO).set_input_files(arquivo("cnd-federal.pdf"))
    with page.expect_navigation():
        item.get_by_role("button", name="Enviar arquivo").click()
    item = _item(page, obrigacao)
    expect(page.locator("#resumo-erros")).to_contain_text("Este documento já venceu.")
    expect(item).to_contain_text("Arquivo já recebido: cnd-federal.pdf")
    expect(item.get_by_label(re.compile(r"^\s*Outro arquivo \(opcional\)"))).to_be_visible()
    tela(f"sem-js-arquivo-retido-{largura}", page)

    # Só a data corrigida: anexado, e a página volta no item com a confirmação
    nova = timezone.localdate() + timedelta(days=120)
    item.get_by_label(re.compile(r"^\s*Válido até\*?\s*$")).fill(nova.isoformat())
    with page.expect_navigation():
        item.get_by_role("button", name="Enviar arquivo").click()
    assert f"#obrigacao-{obrigacao.pk}" in page.url
    item = _item(page, obrigacao)
    expect(item.get_by_role("status")).to_contain_text(f"Documento anexado: {obrigacao.nome}.")
    expect(item.get_by_role("link", name="cnd-federal.pdf")).to_be_visible()
    expect(page.locator("#contador-obrigatorios")).to_contain_text("1 de 26 obrigatórios")
    documento = Documento.objects.get(solicitacao=atualizacao, obrigacao=obrigacao)
    assert documento.data_validade == nova
    tela(f"sem-js-anexado-{largura}", page)
