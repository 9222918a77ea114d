"""De ponta a ponta, nas duas larguras (1366×768 e 390×844): o RL importado valida o cadastro
vendo a organização, erra a confirmação da senha sem perder o que digitou, usa "Mostrar
senha", chega ao texto do termo pelo teclado e vê a organização no painel; um visitante envia
um PDF que não confere e lê o resultado "não confere" (issue #13, itens 13–15).

Atalhos: a carga pela importação (serviço) e o convite lido na caixa de saída.
"""

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from accounts import convites
from accounts.models import Usuario
from parceiros import importacao
from tests.e2e.test_inscricao_navegador import campo, entrar, enviar, formatar, link_recebido
from tests.factories import pdf_pequeno
from tests.parceiros.test_importacao import conteudo_csv, linha

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LARGURAS = {
    "computador": {"viewport": {"width": 1366, "height": 768}},
    "celular": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
ARTEFATOS = Path(__file__).resolve().parents[2] / "artefatos" / "contas"
SENHA_NOVA = "Serra-da-Piedade#31"
ORGANIZACAO = "Associação Número 31"


def capturar(page, largura, passo):
    ARTEFATOS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFATOS / f"{largura}-{passo}.png"), full_page=True)


def rl_importado():
    valores = linha(31, cargo="Presidenta", mandato_inicio="02/03/2025", mandato_fim="31/12/2028")
    feita = importacao.importar_arquivo(
        ContentFile(conteudo_csv([valores]), name="carga.csv"), confirmar_importacao=True
    )
    assert feita.status == "concluida"
    convites.enviar_lote([Usuario.objects.get(cpf=valores["cpf"]).pk])
    return valores


def sem_rolagem_lateral(page):
    largura = page.evaluate("document.documentElement.scrollWidth")
    assert largura <= page.viewport_size["width"], f"rolagem lateral: {largura}px"


def tab_ate(page, seletor, limite=60):
    """Tab até o foco chegar ao elemento de ``seletor``; devolve quantas teclas foram."""
    for vezes in range(1, limite + 1):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({seletor!r})"):
            return vezes
    raise AssertionError(f"{seletor} não recebeu o foco com {limite} Tabs")


@pytest.mark.parametrize("largura", list(LARGURAS))
def test_rl_importado_valida_o_cadastro_e_ve_a_organizacao_no_painel(
    nova_aba, portal, media_temporaria, largura
):
    valores = rl_importado()
    page = nova_aba(**LARGURAS[largura])
    page.goto(link_recebido("convite", valores["email"], "/primeiro-acesso/"))

    # Validação de cadastro: organização, CNPJ, cargo e mandato antes da senha
    expect(page.get_by_role("heading", level=1)).to_have_text("Validação de cadastro")
    importados = page.get_by_role("region", name="Seus dados no CAGEC")
    expect(importados).to_contain_text(ORGANIZACAO)
    expect(importados).to_contain_text("Presidenta")
    expect(importados).to_contain_text("de 02/03/2025 até 31/12/2028")
    expect(page.locator("main")).not_to_contain_text("convidad")
    sem_rolagem_lateral(page)
    capturar(page, largura, "01-validacao-de-cadastro")

    # Confirmação diferente: o erro fica na confirmação e as duas senhas continuam digitadas
    campo(page, "CPF").fill(formatar(valores["cpf"]))
    campo(page, "Nova senha").fill(SENHA_NOVA)
    campo(page, "Confirmação da nova senha").fill(SENHA_NOVA + "x")
    enviar(page, "Validar cadastro e ativar conta", caminho_post="/primeiro-acesso/")
    resumo = page.locator("#resumo-erros")
    expect(resumo).to_be_focused()
    expect(resumo).to_contain_text(
        "Confirmação da nova senha: As duas senhas digitadas não são iguais."
    )
    expect(campo(page, "Nova senha")).to_have_value(SENHA_NOVA)
    expect(campo(page, "Confirmação da nova senha")).to_have_value(SENHA_NOVA + "x")
    expect(page.locator("#id_confirmacao_senha_error")).to_be_visible()

    # "Mostrar senha": alternador ao lado do campo, sem perder o valor
    confirmacao = campo(page, "Confirmação da nova senha")
    mostrar = page.locator('button[aria-controls="id_confirmacao_senha"]')
    expect(mostrar).to_have_text("Mostrar senha")
    expect(mostrar).to_have_attribute("aria-pressed", "false")
    mostrar.click()
    expect(mostrar).to_have_attribute("aria-pressed", "true")
    expect(confirmacao).to_have_attribute("type", "text")
    sem_rolagem_lateral(page)
    capturar(page, largura, "02-senhas-diferentes-mostrar-senha")
    confirmacao.fill(SENHA_NOVA)
    mostrar.click()
    expect(confirmacao).to_have_attribute("type", "password")
    enviar(page, "Validar cadastro e ativar conta", caminho_post="/primeiro-acesso/")
    expect(page).to_have_url(f"{portal.url}/entrar/")

    # Entrar → o texto do termo chega pelo teclado → painel com a organização
    entrar(page, formatar(valores["cpf"]), SENHA_NOVA)
    expect(page).to_have_url(re.compile(r"/termos/\?next=/painel/$"))
    tab_ate(page, "article.termo")
    expect(page.get_by_role("region", name="Texto do termo")).to_be_focused()
    capturar(page, largura, "03-termo-com-foco")
    page.get_by_label("Li e aceito o Termo de Uso e a Política de Privacidade.").check()
    enviar(page, "Aceitar e continuar", caminho_post="/termos/")
    expect(page).to_have_url(f"{portal.url}/painel/")
    minhas = page.get_by_role("region", name="Minhas organizações")
    expect(minhas.get_by_role("link", name=ORGANIZACAO)).to_be_visible()
    expect(minhas).not_to_contain_text("Você ainda não está vinculado")
    capturar(page, largura, "04-painel")
    assert page.erros_js == [], page.erros_js


@pytest.mark.parametrize("largura", list(LARGURAS))
def test_pdf_que_nao_confere_mostra_o_resultado_nao_confere(nova_aba, largura):
    page = nova_aba(**LARGURAS[largura])
    page.goto("/verificar/")
    campo(page, "Ou envie o arquivo PDF").set_input_files(
        files=[{"name": "crc-alterado.pdf", "mimeType": "application/pdf", "buffer": pdf_pequeno()}]
    )
    assert enviar(page, "Verificar", caminho_post="/verificar/").status == 200

    expect(page.get_by_role("heading", level=1)).to_have_text("Arquivo não confere")
    expect(page.get_by_role("status")).to_contain_text("não confere")
    expect(page.locator("main")).not_to_contain_text("Corrija")
    expect(page.locator("#resumo-erros")).to_have_count(0)
    sem_rolagem_lateral(page)
    capturar(page, largura, "05-verificar-nao-confere")

    # Dali mesmo, pelo código: desconhecido volta com os hífens, no texto e no campo
    campo(page, "Código de verificação").fill("0123 4567 89ab cdef")
    enviar(page, "Verificar", caminho_post="/verificar/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Código não encontrado")
    expect(page.get_by_role("status")).to_contain_text("0123-4567-89AB-CDEF")
    expect(campo(page, "Código de verificação")).to_have_value("0123-4567-89AB-CDEF")
    capturar(page, largura, "06-codigo-nao-encontrado")
    assert page.erros_js == [], page.erros_js
