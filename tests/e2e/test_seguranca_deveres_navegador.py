"""No navegador (issue #11, item 1): a analista que é RI de uma organização vê a solicitação
dessa organização esmaecida na fila, sem link e com o motivo; aberta pelo endereço, a página
explica e não oferece a decisão. A solicitação de outra organização continua decidível.

As solicitações são preparadas pelos serviços (assinadas e encaminhadas); o resto é pela tela.
"""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from parceiros import permissions, services
from parceiros.models import Parceiro
from tests.e2e.test_inscricao_navegador import entrar, formatar, menu
from tests.factories import CNPJ_ASSOCIACAO, SENHA
from tests.parceiros.test_analise import CNDT, atualizacao_de_documentos

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_analista_ri_ve_a_solicitacao_da_propria_organizacao_sem_poder_decidir(
    pagina, tela, portal, parceiro, rl, outro_rl, analista
):
    page = pagina
    analista.groups.add(Group.objects.get(name="Analista"))
    services.incluir_responsavel(parceiro, analista, ator=rl, cargo="Assessora")
    propria = atualizacao_de_documentos(rl, parceiro, CNDT)
    associacao = Parceiro.objects.get(cnpj=CNPJ_ASSOCIACAO)
    livre = atualizacao_de_documentos(outro_rl, associacao, CNDT)

    page.goto("/entrar/")
    assert entrar(page, formatar(analista.cpf), SENHA).status == 302
    menu(page).get_by_role("link", name="Análise", exact=True).click()
    expect(page).to_have_url(f"{portal.url}/analise/")
    linhas = page.locator("main").get_by_role("row")

    da_propria = linhas.filter(has_text=parceiro.razao_social)
    expect(da_propria).to_have_count(1)
    expect(da_propria).to_have_class("table-secondary text-body-secondary")
    expect(da_propria).to_contain_text(permissions.CONFLITO_VINCULO)
    expect(da_propria.get_by_role("link")).to_have_count(0)
    da_outra = linhas.filter(has_text=associacao.razao_social)
    expect(da_outra.get_by_role("link", name=associacao.razao_social)).to_be_visible()
    tela("analista-ri-fila")

    page.goto(f"/analise/{propria.pk}/")
    aviso = page.get_by_role("alert")
    expect(aviso).to_contain_text("Você não pode decidir esta solicitação.")
    expect(aviso).to_contain_text(permissions.CONFLITO_VINCULO)
    expect(page.get_by_role("button", name="Registrar decisão")).to_have_count(0)
    tela("analista-ri-decisao")

    page.goto(f"/analise/{livre.pk}/")
    expect(page.get_by_role("button", name="Registrar decisão")).to_be_visible()
