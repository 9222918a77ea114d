"""No navegador: máscaras de CPF, CNPJ, telefone e CEP, e as listas em cartões no celular.

* Máscaras (static/js/mascaras.js sobre o IMask): ajudam a digitar e nunca atrapalham
  colar — com ou sem pontuação, com espaços, com "+55" —, o cursor fica no fim enquanto se
  digita e o apagar atravessa os separadores. O CNPJ alfanumérico aceita letras (viram
  maiúsculas) nas 12 primeiras posições.
* Celular (390 × 844): consulta, pasta digital e verificação mostram a situação/status e a
  ação principal sem rolagem lateral; a home mostra as ações antes do texto longo.

Capturas em ``artefatos/e2e/`` (fixture ``tela``).
"""

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from declaracoes import crc
from tests.e2e.test_inscricao_navegador import botao, campo, entrar
from tests.factories import CNPJ_ASSOCIACAO, SENHA, parceiro_com_rl

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CELULAR = {"width": 390, "height": 844}
CNPJ_FORMATADO = "07.000.001/0001-85"


def colar(page, alvo, texto):
    """Cola ``texto`` pela área de transferência (Ctrl+V), substituindo o que houver."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.evaluate("t => navigator.clipboard.writeText(t)", texto)
    alvo.click()
    alvo.press("Control+A")
    alvo.press("Control+V")


def digitar(alvo, texto):
    """Digita tecla a tecla e confere que o cursor fica sempre no fim do que foi digitado."""
    alvo.click()
    alvo.press("Control+A")
    alvo.press("Backspace")
    for tecla in texto:
        alvo.press_sequentially(tecla)
        fim = alvo.evaluate("c => [c.selectionStart, c.value.length]")
        assert fim[0] == fim[1], f"o cursor saltou ao digitar {tecla!r}: {fim}"


@pytest.fixture
def associacao(db):
    return parceiro_com_rl(cnpj=CNPJ_ASSOCIACAO, cargo="Presidente")


def test_mascaras_de_cpf_e_telefone_ajudam_a_digitar_e_aceitam_colar(pagina, tela):
    page = pagina
    page.goto("/inscricao/")
    cpf, telefone = campo(page, "CPF"), campo(page, "Telefone")

    digitar(cpf, "52998224725")
    expect(cpf).to_have_value("529.982.247-25")
    for _ in range(4):  # "5", "2", o hífen que sobrou e o "7": o apagar atravessa o separador
        cpf.press("Backspace")
    assert re.sub(r"\D", "", cpf.input_value()) == "52998224"
    for colado in ("529.982.247-25", "52998224725", " 529 982 247 25 "):
        colar(page, cpf, colado)
        expect(cpf).to_have_value("529.982.247-25")

    digitar(telefone, "31987654321")
    expect(telefone).to_have_value("(31) 98765-4321")
    colar(page, telefone, "+55 31 3281-5500")
    expect(telefone).to_have_value("(31) 3281-5500")
    colar(page, telefone, "3132815500")
    expect(telefone).to_have_value("(31) 3281-5500")
    tela("inscricao-com-mascaras")
    assert page.erros_js == [], page.erros_js


def test_mascara_do_cnpj_aceita_letras_e_colar_de_qualquer_forma(pagina, associacao):
    page = pagina
    page.goto("/consulta/")
    cnpj = campo(page, "CNPJ")
    for colado in ("07.000.001/0001-85", "07000001000185", " 07 000 001 0001 85 "):
        colar(page, cnpj, colado)
        expect(cnpj).to_have_value(CNPJ_FORMATADO)
    digitar(cnpj, "12abc34501de35")
    expect(cnpj).to_have_value("12.ABC.345/01DE-35")

    # O servidor normaliza o que chega: o CNPJ colado com pontuação encontra a associação.
    colar(page, cnpj, " 07 000 001 0001 85 ")
    with page.expect_navigation():
        botao(page, "Consultar").click()
    expect(page.locator("main table")).to_contain_text(CNPJ_FORMATADO)
    assert page.erros_js == [], page.erros_js


def test_mascara_de_cep(pagina):
    """Nenhum formulário pede CEP hoje (vem travado da Receita); a máscara está pronta."""
    page = pagina
    page.goto("/")
    page.evaluate(
        """() => {
          const c = document.createElement("input");
          c.id = "cep-teste"; c.setAttribute("data-mascara", "cep");
          c.setAttribute("aria-label", "CEP");
          document.querySelector("main").append(c);
          window.CAGECMascaras.aplicar(c);
        }"""
    )
    cep = page.locator("#cep-teste")
    digitar(cep, "35400000")
    expect(cep).to_have_value("35400-000")
    colar(page, cep, "35.400-000")
    expect(cep).to_have_value("35400-000")


def _cabe_na_tela(page, alvo):
    caixa = alvo.bounding_box()
    assert caixa is not None, "elemento não está na tela"
    assert caixa["x"] >= 0 and caixa["x"] + caixa["width"] <= CELULAR["width"], caixa


def _sem_rolagem_lateral(page):
    largura = page.evaluate("document.documentElement.scrollWidth")
    assert largura <= CELULAR["width"], f"rolagem horizontal no celular ({largura} px)"


def test_celular_mostra_situacao_e_acao_sem_rolagem_lateral(nova_aba, tela, associacao):
    rl = associacao.vinculos.get().usuario
    celular = nova_aba(viewport=CELULAR, is_mobile=True, has_touch=True)

    # Home: as ações antes do texto longo.
    celular.goto("/")
    acoes = celular.get_by_role("navigation", name="Acesso rápido")
    texto_longo = celular.get_by_role("heading", name="Quem precisa")
    assert acoes.bounding_box()["y"] < texto_longo.bounding_box()["y"]
    assert acoes.bounding_box()["y"] < CELULAR["height"], "as ações ficaram abaixo da dobra"
    _sem_rolagem_lateral(celular)
    tela("celular-home", celular)

    # Consulta: cada resultado é um cartão com situação, impedimento e "Emitir CRC".
    celular.goto(f"/consulta/?{urlencode({'cnpj': associacao.cnpj})}")
    linha = celular.get_by_role("row").filter(has_text=associacao.razao_social)
    expect(linha).to_have_count(1)
    _cabe_na_tela(celular, linha.get_by_text("Irregular", exact=True))
    _cabe_na_tela(celular, linha.get_by_role("link", name=re.compile("^Emitir CRC")))
    impedimento = linha.locator('[data-rotulo="Possui impedimento"]')
    expect(impedimento).to_have_text("Não")
    rotulo = impedimento.evaluate("c => getComputedStyle(c, '::before').content")
    assert "Possui impedimento" in rotulo, rotulo  # o rótulo da coluna desenhado no cartão
    _sem_rolagem_lateral(celular)
    tela("celular-consulta", celular)

    # Verificação de um CRC: obrigações com status e validade, sem rolar para o lado.
    certificado = crc.crc_do_dia(associacao)
    celular.goto(f"/verificar/{certificado.codigo}/")
    expect(celular.get_by_role("heading", level=1)).to_have_text("Documento autêntico")
    primeira = celular.locator("table.tabela-cartoes tbody tr").first
    _cabe_na_tela(celular, primeira.locator('[data-rotulo="Status"]'))
    _cabe_na_tela(celular, celular.get_by_role("link", name="Baixar o PDF original"))
    _sem_rolagem_lateral(celular)
    tela("celular-verificacao", celular)

    # Pasta digital do RL: cada obrigação é um cartão com status e o documento.
    celular.goto("/entrar/")
    entrar(celular, rl.cpf, SENHA)
    celular.goto(f"/parceiros/{associacao.cnpj}/")
    expect(celular.get_by_role("heading", level=1)).to_have_text(associacao.razao_social)
    item = celular.locator("table.tabela-cartoes tbody tr").first
    _cabe_na_tela(celular, item.locator('[data-rotulo="Status"] .badge'))
    expect(item.locator('[data-rotulo="Status"]')).to_have_text("Pendente")
    _sem_rolagem_lateral(celular)
    tela("celular-pasta-digital", celular)
    assert celular.erros_js == [], celular.erros_js


def test_largura_de_computador_mantem_as_tabelas(nova_aba, tela, associacao):
    """Acima do ponto de quebra as colunas continuam uma tabela, com o cabeçalho visível."""
    page = nova_aba(viewport={"width": 1366, "height": 768})
    page.goto("/")
    acoes = page.get_by_role("navigation", name="Acesso rápido")
    texto_longo = page.get_by_role("heading", name="Quem precisa")
    assert acoes.bounding_box()["x"] > texto_longo.bounding_box()["x"]  # ações à direita
    tela("computador-home", page)
    page.goto(f"/consulta/?{urlencode({'cnpj': associacao.cnpj})}")
    cabecalho = page.get_by_role("columnheader", name="Situação")
    expect(cabecalho).to_be_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('main tbody tr')).display") == (
        "table-row"
    )
    tela("computador-consulta", page)
    certificado = crc.crc_do_dia(associacao)
    page.goto(f"/verificar/{certificado.codigo}/")
    expect(page.get_by_role("columnheader", name="Status").first).to_be_visible()
    tela("computador-verificacao", page)
