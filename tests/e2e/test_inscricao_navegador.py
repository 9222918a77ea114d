"""De ponta a ponta, como uma pessoa faria: inscrição, primeiro acesso, termo, entrar e sair;
bloqueio por tentativas e desbloqueio pela recuperação de senha; erros do formulário.

Só se interage pela tela (menus, rótulos visíveis, botões). O único atalho é ler o e-mail:
o link é tirado do corpo de texto gravado na caixa de saída (``EmailSaida``), exatamente
como a pessoa o veria, e aberto no navegador.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import AceiteTermo, Usuario
from cagec.core.models import EmailSaida
from tests.conftest import link_do_email, ultimo_email
from tests.factories import SENHA, UsuarioFactory, cpf_aleatorio

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NOVA_SENHA = "Ipê-Amarelo#2026"
OUTRA_SENHA = "Serra-do-Curral#77"


def formatar(cpf):
    return f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}"


def caminho(url):
    return re.sub(r"^https?://[^/]+", "", url)


def link_recebido(evento, para, contem):
    email = ultimo_email(evento, para=para)
    assert email is not None, f"Nenhum e-mail {evento!r} para {para} na caixa de saída"
    return link_do_email(email, contem)


def menu(page):
    """A barra de navegação do cabeçalho (onde ficam ENTRAR e o menu da pessoa)."""
    return page.get_by_role("navigation", name="Navegação principal")


def campo(page, rotulo):
    """O campo pelo rótulo visível, inteiro ("E-mail" não casa "Confirmação do e-mail").

    O crispy-forms põe ``<span class="asteriskField">*</span>`` no rótulo e o portal.css o
    esconde (``display: none``): quem enxerga lê "CPF" e o leitor de tela também (conteúdo
    oculto fica fora do nome acessível), mas o texto do ``<label>`` é "CPF*", que é o que o
    ``get_by_label`` compara. Por isso o asterisco final é opcional aqui.
    """
    return page.locator("main").get_by_label(re.compile(rf"^\s*{re.escape(rotulo)}\*?\s*$"))


def botao(page, nome):
    return page.locator("main").get_by_role("button", name=nome, exact=True)


def verificar_estilos_carregados(page):
    """O CSS do Bootstrap e o do portal chegaram (o live_server serve os estáticos)."""
    cor_barra = page.evaluate(
        "getComputedStyle(document.querySelector('.barra-portal')).backgroundColor"
    )
    assert cor_barra == "rgb(11, 61, 110)", f"portal.css não aplicado (barra: {cor_barra})"
    alternador = page.evaluate(
        "getComputedStyle(document.querySelector('.navbar-toggler')).display"
    )
    assert alternador == "none", "bootstrap.min.css não aplicado (menu recolhido em 1280 px)"


def clicar_e_carregar(page, alvo, *, caminho_post):
    """Clica, espera a resposta do POST e o ``load`` da página seguinte; devolve a resposta.

    Esperar o ``load`` evita preencher o documento antigo enquanto o novo ainda chega.
    """
    with (
        page.expect_response(
            lambda r: r.request.method == "POST" and caminho(r.url).startswith(caminho_post)
        ) as resposta,
        page.expect_event("load"),
    ):
        alvo.click()
    return resposta.value


def enviar(page, nome_botao, *, caminho_post):
    """Clica no botão de envio do formulário e devolve a resposta HTTP do POST."""
    return clicar_e_carregar(page, botao(page, nome_botao), caminho_post=caminho_post)


def entrar(page, cpf, senha):
    campo(page, "CPF").fill(cpf)
    campo(page, "Senha").fill(senha)
    return enviar(page, "Entrar", caminho_post="/entrar/")


def test_inscricao_primeiro_acesso_termo_painel_e_saida(pagina, tela, portal):
    page = pagina
    cpf = cpf_aleatorio()
    email = "joana.e2e@exemplo.com.br"

    # Início → menu ENTRAR → Novo usuário
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cadastro Geral de Convenentes")
    verificar_estilos_carregados(page)
    tela("inicio")
    menu(page).get_by_role("button", name="ENTRAR").click()
    expect(menu(page).get_by_role("link", name="Novo usuário")).to_be_visible()
    tela("menu-entrar-aberto")
    menu(page).get_by_role("link", name="Novo usuário").click()
    expect(page).to_have_url(f"{portal.url}/inscricao/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inscrição de novo usuário")

    # Formulário de inscrição, pelos rótulos visíveis
    campo(page, "CPF").fill(formatar(cpf))
    campo(page, "Nome completo").fill("Joana Aparecida Navegador")
    campo(page, "E-mail").fill(email)
    campo(page, "Confirmação do e-mail").fill(email)
    campo(page, "Telefone").fill("(31) 99876-5432")
    tela("inscricao-preenchida")
    resposta = enviar(page, "Enviar inscrição", caminho_post="/inscricao/")
    assert resposta.status == 302
    expect(page).to_have_url(f"{portal.url}/inscricao/enviada/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inscrição recebida")
    expect(page.locator("main")).to_contain_text("Se os dados estiverem corretos")
    tela("inscricao-recebida")
    assert Usuario.objects.get(cpf=cpf).situacao == Usuario.Situacao.PENDENTE

    # O e-mail de primeiro acesso, lido como o destinatário o leria
    link = link_recebido("primeiro_acesso", email, "/primeiro-acesso/")
    assert link.startswith(f"{portal.url}/primeiro-acesso/")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Primeiro acesso")
    expect(page.locator("main")).to_contain_text("Olá, Joana Aparecida Navegador")
    expect(page.locator("main")).to_contain_text("Pelo menos 8 caracteres")
    campo(page, "CPF").fill(cpf)
    campo(page, "Nova senha").fill(NOVA_SENHA)
    campo(page, "Confirmação da nova senha").fill(NOVA_SENHA)
    tela("primeiro-acesso-preenchido")
    enviar(page, "Ativar conta", caminho_post="/primeiro-acesso/")
    expect(page).to_have_url(f"{portal.url}/entrar/")
    expect(page.get_by_role("status")).to_contain_text(
        "Conta ativada. Entre com seu CPF e a senha que você criou."
    )
    tela("conta-ativada")

    # Entrar → termo de uso → painel
    entrar(page, formatar(cpf), NOVA_SENHA)
    expect(page).to_have_url(re.compile(r"/termos/\?next=/painel/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Termo de Uso")
    tela("termo-para-aceitar")
    page.get_by_label("Li e aceito o Termo de Uso e a Política de Privacidade.").check()
    enviar(page, "Aceitar e continuar", caminho_post="/termos/")
    expect(page).to_have_url(f"{portal.url}/painel/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Olá, Joana")
    expect(page.locator("main")).to_contain_text(email)
    tela("painel")
    assert AceiteTermo.objects.filter(usuario__cpf=cpf).count() == 1

    # Menu da pessoa → Sair (POST)
    menu(page).get_by_role("button", name="Joana", exact=True).click()
    expect(menu(page).get_by_role("button", name="Sair")).to_be_visible()
    tela("menu-usuario-aberto")
    saida = clicar_e_carregar(
        page, menu(page).get_by_role("button", name="Sair"), caminho_post="/sair/"
    )
    assert saida.status == 302
    expect(page).to_have_url(f"{portal.url}/")
    expect(page.get_by_role("status")).to_contain_text("Você saiu do portal.")
    expect(menu(page).get_by_role("button", name="ENTRAR")).to_be_visible()
    tela("saiu")

    # Fora da sessão, o painel volta a pedir login
    page.goto("/painel/")
    expect(page).to_have_url(re.compile(r"/entrar/\?next=/painel/$"))
    assert page.erros_js == [], page.erros_js


def test_bloqueio_por_tentativas_e_desbloqueio_pela_recuperacao(pagina, tela, portal, settings):
    page = pagina
    pessoa = UsuarioFactory(
        aceitou_termo=True, nome="Carlos Eduardo Bloqueio", email="carlos.e2e@exemplo.com.br"
    )
    limite = settings.AXES_FAILURE_LIMIT
    assert limite == 5

    page.goto("/entrar/")
    for tentativa in range(1, limite + 1):
        resposta = entrar(page, formatar(pessoa.cpf), f"Errada#{tentativa}x")
        if tentativa < limite:
            assert resposta.status == 200, f"tentativa {tentativa}: {resposta.status}"
            expect(page.locator("#resumo-erros")).to_contain_text("CPF ou senha incorretos")
    assert resposta.status == 429
    expect(page.get_by_role("heading", level=1)).to_have_text("Acesso temporariamente bloqueado")
    expect(page.locator("main")).to_contain_text("bloqueado por 15 minutos")
    tela("bloqueado")

    # Nem a senha certa entra enquanto durar o bloqueio
    page.goto("/entrar/")
    assert entrar(page, formatar(pessoa.cpf), SENHA).status == 429

    # A própria página de bloqueio leva à recuperação
    page.locator("main").get_by_role(
        "link", name="Esqueceu sua senha ou usuário bloqueado?"
    ).click()
    expect(page).to_have_url(f"{portal.url}/recuperar-senha/")
    campo(page, "CPF").fill(formatar(pessoa.cpf))
    campo(page, "E-mail").fill(pessoa.email.upper())
    tela("recuperar-senha-preenchido")
    enviar(page, "Enviar link", caminho_post="/recuperar-senha/")
    expect(page).to_have_url(f"{portal.url}/recuperar-senha/enviado/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verifique seu e-mail")

    link = link_recebido("recuperacao_senha", pessoa.email, "/recuperar-senha/")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Criar nova senha")
    campo(page, "Nova senha").fill(OUTRA_SENHA)
    campo(page, "Confirmação da nova senha").fill(OUTRA_SENHA)
    enviar(page, "Salvar nova senha", caminho_post="/recuperar-senha/")
    expect(page).to_have_url(f"{portal.url}/entrar/")
    expect(page.get_by_role("status")).to_contain_text("Senha redefinida e conta desbloqueada")
    tela("senha-redefinida")

    # Desbloqueada: a senha nova entra (o termo já tinha sido aceito: vai direto ao painel)
    resposta = entrar(page, formatar(pessoa.cpf), OUTRA_SENHA)
    assert resposta.status == 302
    expect(page).to_have_url(f"{portal.url}/painel/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Olá, Carlos")
    tela("painel-depois-do-desbloqueio")

    # O link de recuperação é de uso único
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Link inválido ou expirado")
    assert page.erros_js == [], page.erros_js


def test_inscricao_invalida_mostra_resumo_de_erros_e_mantem_o_digitado(pagina, tela, portal):
    page = pagina
    page.goto("/inscricao/")
    campo(page, "CPF").fill("529.982.247-24")
    campo(page, "Nome completo").fill("Joana")
    campo(page, "E-mail").fill("joana@exemplo.com.br")
    campo(page, "Confirmação do e-mail").fill("outra@exemplo.com.br")
    campo(page, "Telefone").fill("(31) 99876-5432")
    resposta = enviar(page, "Enviar inscrição", caminho_post="/inscricao/")
    assert resposta.status == 200
    expect(page).to_have_url(f"{portal.url}/inscricao/")

    resumo = page.locator("#resumo-erros")
    expect(resumo).to_be_visible()
    expect(resumo).to_be_focused()  # portal.js leva o foco ao resumo (leitores de tela)
    expect(resumo).to_contain_text("CPF inválido")
    expect(resumo).to_contain_text("nome completo")
    expect(resumo).to_contain_text("não são iguais")
    tela("inscricao-com-erros")

    # O que foi digitado continua lá
    expect(campo(page, "CPF")).to_have_value("529.982.247-24")
    expect(campo(page, "Nome completo")).to_have_value("Joana")
    expect(campo(page, "E-mail")).to_have_value("joana@exemplo.com.br")
    expect(campo(page, "Confirmação do e-mail")).to_have_value("outra@exemplo.com.br")
    expect(campo(page, "Telefone")).to_have_value("(31) 99876-5432")

    # Os itens do resumo levam ao campo com erro
    resumo.get_by_role("link", name=re.compile(r"^CPF:")).click()
    expect(campo(page, "CPF")).to_be_focused()
    assert Usuario.objects.count() == 0
    assert EmailSaida.objects.count() == 0
    assert page.erros_js == [], page.erros_js


def test_menu_recolhido_no_celular_abre_e_leva_a_inscricao(nova_aba, portal, tela):
    page = nova_aba(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto("/")
    alternador = menu(page).get_by_role("button", name="Abrir o menu")
    expect(alternador).to_be_visible()
    expect(menu(page).get_by_role("button", name="ENTRAR")).to_be_hidden()
    alternador.click()
    expect(alternador).to_have_attribute("aria-expanded", "true")
    menu(page).get_by_role("button", name="ENTRAR").click()
    expect(menu(page).get_by_role("link", name="Novo usuário")).to_be_visible()
    tela("celular-menu-aberto", page)
    menu(page).get_by_role("link", name="Novo usuário").click()
    expect(page).to_have_url(f"{portal.url}/inscricao/")
    expect(campo(page, "Confirmação do e-mail")).to_be_visible()
    assert page.erros_js == [], page.erros_js
