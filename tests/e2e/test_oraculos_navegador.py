"""Issue #11, itens 2 e 3, no navegador: a busca por CPF exige login e quem indica uma pessoa
pelo CPF só vê o nome completo depois que ela aceita."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from parceiros import selectors, services
from tests.e2e.test_inscricao_navegador import campo, entrar, enviar
from tests.factories import CNPJ_LIVRE, SENHA, UsuarioFactory, parceiro_com_rl

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_cpf_na_consulta_publica_leva_a_busca_logada_com_cota(pagina, tela, portal):
    page = pagina
    rl = UsuarioFactory(aceitou_termo=True, nome="Rita Representante")
    parceiro = parceiro_com_rl(rl)
    visitante = UsuarioFactory(aceitou_termo=True)

    # Um endereço antigo com ?cpf= não filtra: volta sem o CPF, com o aviso.
    page.goto(f"/consulta/?cpf={rl.cpf}")
    expect(page).to_have_url(f"{portal.url}/consulta/")
    principal = page.locator("main")
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).first).to_be_visible()
    expect(page.locator("body")).to_contain_text(
        "A busca pelo CPF do representante legal não é feita na consulta pública"
    )
    expect(principal).not_to_contain_text(parceiro.razao_social)
    tela("consulta-cpf-descartado")

    # O link leva ao login e, depois dele, à busca por CPF.
    principal.get_by_role("link", name="consulte pelo CPF").click()
    expect(page).to_have_url(re.compile(r"/entrar/\?next=/consulta/cpf/"))
    entrar(page, visitante.cpf, SENHA)
    expect(page).to_have_url(f"{portal.url}/consulta/cpf/")
    expect(principal).to_contain_text("restam 20 hoje")

    campo(page, "CPF do representante legal").fill(rl.cpf_formatado)
    enviar(page, "Consultar", caminho_post="/consulta/cpf/")
    expect(page).to_have_url(f"{portal.url}/consulta/cpf/")  # o CPF não vai para a URL
    expect(principal).to_contain_text("1 organização encontrada.")
    expect(principal.get_by_role("table")).to_contain_text(parceiro.razao_social)
    expect(principal.get_by_role("table")).not_to_contain_text(rl.cpf_formatado)
    expect(principal).to_contain_text("restam 19 hoje")
    tela("consulta-cpf-logada")


def test_rl_indicado_pelo_cpf_aceita_e_so_entao_o_nome_aparece(pagina, nova_aba, tela, portal):
    solicitante = UsuarioFactory(aceitou_termo=True, nome="Sérgio Solicitante")
    maria = UsuarioFactory(aceitou_termo=True, nome="Maria da Silva Oliveira")
    solicitacao = services.iniciar_inscricao(CNPJ_LIVRE, ator=solicitante)
    tipo = selectors.tipos_permitidos(
        services.NaturezaJuridica.objects.get(
            codigo=solicitacao.dados["receita"]["natureza_juridica_codigo"]
        )
    ).first()
    services.salvar_dados(
        solicitacao, ator=solicitante, tipo=tipo, site="", email_institucional="", telefone=""
    )

    # Quem prepara indica Maria pelo CPF e vê só "Maria S. O." e o CPF mascarado.
    page = pagina
    page.goto("/entrar/")
    entrar(page, solicitante.cpf, SENHA)
    passo = f"/solicitacoes/{solicitacao.pk}/representante/"
    page.goto(passo)
    page.get_by_label("Outra pessoa já cadastrada").check()
    campo(page, "CPF do representante legal").fill(maria.cpf_formatado)
    campo(page, "Cargo").fill("Presidenta")
    campo(page, "Início do mandato").fill("2025-01-01")
    campo(page, "Fim do mandato").fill(f"{date.today().year + 2}-12-31")
    enviar(page, "Salvar e continuar", caminho_post=passo)
    expect(page.locator("body")).to_contain_text("Representante legal indicado: Maria S. O.")
    page.goto(f"/solicitacoes/{solicitacao.pk}/")
    expect(page.locator("main")).to_contain_text("Maria S. O. (CPF ***.")
    expect(page.locator("main")).not_to_contain_text("Maria da Silva Oliveira")
    tela("indicacao-protegida")

    # Maria vê o aviso no painel e aceita em "Documentos pendentes de assinatura".
    aba = nova_aba()
    aba.goto("/entrar/")
    entrar(aba, maria.cpf, SENHA)
    aba.goto("/painel/")
    aba.get_by_role("link", name="Ver e responder").click()
    expect(aba.locator("main")).to_contain_text("Indicações como representante legal")
    with aba.expect_navigation():
        aba.locator("main").get_by_role("button", name=re.compile(r"^Aceitar")).click()
    expect(aba.locator("body")).to_contain_text("Indicação aceita.")
    tela("indicacao-aceita", aba)

    page.reload()
    expect(page.locator("main")).to_contain_text("Maria da Silva Oliveira")
    expect(page.locator("main")).not_to_contain_text("indicação ainda não aceita")
