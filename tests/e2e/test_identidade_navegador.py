"""De ponta a ponta: a equipe entra no admin pelo login único do portal (/admin/ → /entrar/),
acha a conta de "CPF não confirmado" de quem se inscreveu com o CPF de outra pessoa e usa
"Liberar CPF": o usurpador perde a sessão e o titular cria a senha pelo link e entra.

Como nos outros testes de navegador, o único atalho é ler o link na caixa de saída.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Usuario
from cagec.core.models import RegistroAuditoria
from tests.factories import SENHA, UsuarioFactory

from .test_importacao_navegador import linha_da_lista, mensagens_admin
from .test_inscricao_navegador import campo, entrar, enviar, formatar, link_recebido

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

INTRUSO = "intruso.e2e@exemplo.com.br"
TITULAR = "titular.e2e@exemplo.com.br"
NOVA_SENHA = "Pico-do-Itacolomi#88"


def test_equipe_libera_o_cpf_usurpado_e_o_titular_retoma_a_conta(nova_aba, tela, portal):
    administradora = UsuarioFactory(
        aceitou_termo=True, is_staff=True, is_superuser=True, nome="Beatriz Administradora"
    )
    usurpada = UsuarioFactory(aceitou_termo=True, email=INTRUSO, nome="Conta Usurpada Teste")

    # O usurpador está com a conta aberta
    intruso = nova_aba()
    intruso.goto("/entrar/")
    entrar(intruso, formatar(usurpada.cpf), SENHA)
    expect(intruso).to_have_url(f"{portal.url}/painel/")

    # A equipe abre o admin: o único login é o do portal, que devolve ao admin
    equipe = nova_aba()
    equipe.goto("/admin/")
    expect(equipe).to_have_url(f"{portal.url}/entrar/?next=/admin/")
    entrar(equipe, formatar(administradora.cpf), SENHA)
    expect(equipe).to_have_url(f"{portal.url}/admin/")

    # Lista filtrada por CPF não confirmado → Liberar CPF (com motivo e e-mail conferido)
    equipe.goto("/admin/accounts/usuario/?cpf=nao")
    linha = linha_da_lista(equipe, usurpada.nome)
    expect(linha).to_contain_text("CPF não confirmado")
    linha.locator("input[name=_selected_action]").check()
    equipe.locator("select[name=action]").select_option("liberar_cpf")
    with equipe.expect_navigation():
        equipe.get_by_role("button", name="Ir").click()
    expect(equipe.locator("#content")).to_contain_text("retoma a conta de quem a tinha")
    equipe.get_by_label("E-mail do titular").fill(TITULAR)
    equipe.get_by_label("Motivo e conferência feita").fill("RG conferido no atendimento 42/2026")
    tela("admin-liberar-cpf", equipe)
    with equipe.expect_navigation():
        equipe.get_by_role("button", name="Liberar CPF").click()
    expect(mensagens_admin(equipe)).to_contain_text("CPF liberado")
    assert equipe.erros_js == [], equipe.erros_js

    # O usurpador perdeu a sessão
    intruso.goto("/painel/")
    expect(intruso).to_have_url(re.compile(r"/entrar/\?next=/painel/$"))

    # O titular cria a senha pelo link enviado ao e-mail conferido e entra
    titular = nova_aba()
    titular.goto(link_recebido("cpf_liberado", TITULAR, "/recuperar-senha/"))
    campo(titular, "Nova senha").fill(NOVA_SENHA)
    campo(titular, "Confirmação da nova senha").fill(NOVA_SENHA)
    enviar(titular, "Salvar nova senha", caminho_post="/recuperar-senha/")
    expect(titular).to_have_url(f"{portal.url}/entrar/")
    entrar(titular, formatar(usurpada.cpf), NOVA_SENHA)
    titular.goto("/minha-conta/")
    expect(titular.locator("main")).to_contain_text("CPF confirmado")
    expect(titular.locator("main")).to_contain_text(TITULAR)
    expect(titular.locator("main")).to_contain_text(
        "CPF liberado pela administração após conferência de identidade"
    )
    tela("titular-minha-conta", titular)
    assert titular.erros_js == [], titular.erros_js

    conta = Usuario.objects.get(pk=usurpada.pk)
    assert conta.cpf_confirmado_por == Usuario.ConfirmacaoCPF.ADMINISTRACAO
    assert RegistroAuditoria.objects.filter(
        acao="usuario.cpf_liberado", ator=administradora
    ).exists()
