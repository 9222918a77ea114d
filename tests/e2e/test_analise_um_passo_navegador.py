"""No navegador, nas duas larguras (1366 e 390 px): a analista decide num passo e cada papel
entra pelo que o espera (#13, itens 8 e 9).

A analista entra e cai no painel com a fila (total e espera mais antiga), abre a solicitação
pelo nome da organização, vê o documento no visualizador (ao lado em tela larga, abaixo no
celular), envia sem decisão (resumo de erros no topo, com o foco), aprova todos os documentos
de uma vez, escolhe um motivo padrão (vai para a caixa Motivo, onde é editado) e registra. A
RL com uma assinatura pendente vê "Assinaturas (1)" no menu.

Preparação pelos serviços (a solicitação assinada e encaminhada); o resto pela tela.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from parceiros import services
from parceiros.models import MotivoPadrao, Solicitacao
from tests.e2e.test_inscricao_navegador import campo, entrar, enviar, formatar, menu
from tests.factories import SENHA
from tests.parceiros.test_analise import CNDT, CNPJ_DOC, anexar, atualizacao_de_documentos

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LARGURAS = {"1366": {"width": 1366, "height": 768}, "390": {"width": 390, "height": 844}}
CAPTURAS = Path(__file__).resolve().parents[2] / "artefatos" / "analista"


def capturar(page, nome, largura):
    CAPTURAS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(CAPTURAS / f"{nome}-{largura}.png"), full_page=True)


def cartao(page, obrigacao):
    """O ``<details>`` do documento na página de decisão (o resumo é o nome da Obrigação)."""
    return page.locator("details.cartao-documento").filter(
        has=page.locator("summary", has_text=obrigacao)
    )


@pytest.mark.parametrize("largura", LARGURAS)
def test_analista_entra_pela_fila_e_decide_num_passo(
    nova_aba, portal, largura, parceiro, rl, ri, analista
):
    analista.groups.add(Group.objects.get(name="Analista"))
    pedido = atualizacao_de_documentos(ri, parceiro, CNDT, CNPJ_DOC)
    Solicitacao.objects.filter(pk=pedido.pk).update(enviada_em=timezone.now() - timedelta(days=9))
    ilegivel = MotivoPadrao.objects.get(titulo="Documento ilegível")
    page = nova_aba(viewport=LARGURAS[largura])

    # Entrada: o painel começa pela fila, com o total e a espera mais antiga
    page.goto("/entrar/")
    assert entrar(page, formatar(analista.cpf), SENHA).status == 302
    expect(page).to_have_url(f"{portal.url}/painel/")
    fila = page.get_by_role("region", name="Fila de análise")
    expect(fila).to_contain_text("1 solicitação em análise; a mais antiga espera há 9 dias.")
    capturar(page, "01-painel-analista", largura)
    fila.get_by_role("link", name="Abrir a fila de análise").click()
    expect(page).to_have_url(f"{portal.url}/analise/")
    page.locator("main").get_by_role("link", name=parceiro.razao_social).click()
    expect(page).to_have_url(f"{portal.url}/analise/{pedido.pk}/")

    # O visualizador mostra o primeiro documento: ao lado (1366) ou abaixo (390)
    quadro = page.locator("#visualizador-quadro")
    expect(quadro).to_be_visible()
    expect(quadro).to_have_attribute("src", re.compile(r"/analise/documentos/\d+/$"))
    formulario = page.locator("#form-decisao").bounding_box()
    caixa = quadro.bounding_box()
    if largura == "1366":
        assert caixa["x"] >= formulario["x"] + formulario["width"]  # ao lado da decisão
    else:
        assert caixa["y"] >= formulario["y"] + formulario["height"]  # empilhado
    assert page.evaluate("document.documentElement.scrollWidth") <= LARGURAS[largura]["width"]
    with page.expect_response(re.compile(r"/analise/documentos/\d+/$")) as carregado:
        cartao(page, CNPJ_DOC).get_by_role("link", name=f"Ver ao lado: {CNPJ_DOC}").click()
    assert carregado.value.status == 200
    expect(page.locator("#visualizador-legenda")).to_contain_text(CNPJ_DOC)
    expect(quadro).to_have_attribute("title", re.compile(rf"^Documento: {re.escape(CNPJ_DOC)}"))
    if largura == "390":
        expect(page.locator("#titulo-visualizador")).to_be_focused()
    capturar(page, "02-decisao-visualizador", largura)

    # Sem decisão: o resumo no topo recebe o foco; o texto digitado continua lá
    campo(page, "Motivo").fill("Rascunho da analista")
    resposta = enviar(page, "Registrar decisão", caminho_post=f"/analise/{pedido.pk}/")
    assert resposta.status == 200
    resumo = page.locator("#resumo-erros")
    expect(resumo).to_be_focused()
    expect(resumo).to_contain_text("Escolha a decisão sobre a solicitação.")
    expect(campo(page, "Motivo")).to_have_value("Rascunho da analista")
    capturar(page, "03-resumo-de-erros", largura)
    resumo.get_by_role("link", name="Escolha a decisão sobre a solicitação.").click()
    expect(page).to_have_url(re.compile(r"#id_decisao_0$"))

    # Aprovar todos: sem recarregar, cada cartão marcado e recolhido, com o anúncio
    url_antes = page.url
    page.get_by_role("button", name="Aprovar todos os documentos").click()
    expect(page.locator("#anuncio-analise")).to_have_text(
        "Parecer “Aprovar” marcado em 2 documentos. Escolha a decisão."
    )
    assert page.url == url_antes
    for obrigacao in (CNDT, CNPJ_DOC):
        documento = cartao(page, obrigacao)
        expect(documento.locator("input[value=aprovar]")).to_be_checked()
        expect(documento).not_to_have_attribute("open", "")
        expect(documento.locator("summary")).to_contain_text("Aprovar")
    capturar(page, "04-aprovar-todos", largura)

    # Motivo padrão: entra na caixa (antes do rascunho), com a prévia anunciada; é editado
    page.locator("main").get_by_role("radio", name="Devolvida para correção").check()
    campo(page, "Motivo padrão").select_option(label=ilegivel.titulo)
    motivo = campo(page, "Motivo")
    expect(motivo).to_have_value(f"{ilegivel.texto}\nRascunho da analista")
    expect(page.locator("#previa-motivo")).to_contain_text(
        f"O texto de “{ilegivel.titulo}” está na caixa Motivo"
    )
    final = f"{ilegivel.texto} Falta a página 2 do estatuto."
    motivo.fill(final)
    capturar(page, "05-motivo-padrao", largura)
    resposta = enviar(page, "Registrar decisão", caminho_post=f"/analise/{pedido.pk}/")
    assert resposta.status == 302
    # (o link do resumo deixou um fragmento no endereço, que o redirecionamento mantém)
    expect(page).to_have_url(re.compile(rf"^{portal.url}/analise/(#id_decisao_0)?$"))
    expect(page.locator("main")).to_contain_text(f"Decisão registrada: solicitação nº {pedido.pk}.")
    pedido.refresh_from_db()
    assert (pedido.status, pedido.motivo) == (Solicitacao.Status.DEVOLVIDA, final)
    assert page.erros_js == [], page.erros_js


@pytest.mark.parametrize("largura", LARGURAS)
def test_rl_ve_assinaturas_pendentes_no_menu(nova_aba, portal, largura, parceiro, rl, ri):
    solicitacao = services.iniciar_atualizacao(parceiro, Solicitacao.Tipo.DOCUMENTOS, ator=ri)
    anexar(solicitacao, ri, CNDT)
    services.enviar_para_assinatura(solicitacao, ator=ri)
    page = nova_aba(viewport=LARGURAS[largura])

    page.goto("/entrar/")
    assert entrar(page, formatar(rl.cpf), SENHA).status == 302
    if largura == "390":
        menu(page).get_by_role("button", name="Abrir o menu").click()
    item = menu(page).get_by_role("link", name="Assinaturas (1)")
    expect(item).to_be_visible()
    capturar(page, "06-menu-assinaturas", largura)
    item.click()
    expect(page).to_have_url(f"{portal.url}/assinaturas/")
    expect(page.locator("main")).to_contain_text(parceiro.razao_social)
    assert page.erros_js == [], page.erros_js


def test_pasta_digital_oferece_emitir_crc(pagina, portal, parceiro, rl):
    page = pagina
    page.goto("/entrar/")
    assert entrar(page, formatar(rl.cpf), SENHA).status == 302
    page.goto(f"/parceiros/{parceiro.cnpj}/")
    crc = page.locator("main").get_by_role("link", name=re.compile(r"^Emitir CRC"))
    expect(crc).to_have_attribute("href", f"/consulta/{parceiro.cnpj}/crc/")
    capturar(page, "07-pasta-emitir-crc", "1280")
