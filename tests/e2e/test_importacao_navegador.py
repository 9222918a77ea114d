"""De ponta a ponta, como uma pessoa faria: a equipe do CAGEC importa pelo admin os
Representantes Legais pré-cadastrados (envio → prévia → confirmar → resultado e CSV de erros),
convida os importados pela ação do admin e uma RL convidada ativa a conta pelo link do
e-mail, entra, aceita o termo e vê no painel a organização importada.

Só se interage pela tela (rótulos, papéis e textos visíveis). Os atalhos são criar a conta
do administrador pelas fábricas, montar o CSV no disco (com o cabeçalho do arquivo-modelo),
baixar o CSV de erros com ``page.request`` (mesma sessão do navegador) e ler o convite na
caixa de saída (``EmailSaida``), como a pessoa o veria.
"""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from accounts.models import Usuario
from parceiros.importacao import modelo_csv
from parceiros.models import ImportacaoCadastro
from tests.e2e.test_inscricao_navegador import (
    caminho,
    campo,
    entrar,
    enviar,
    formatar,
    link_recebido,
)
from tests.factories import (
    CNPJ_LIVRE,
    CNPJ_MUNICIPIO,
    SENHA,
    UsuarioFactory,
    cpf_aleatorio,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NOVA_SENHA = "Ipê-Roxo#2026"
RAZAO_ASSOCIACAO = "Instituto Cultural Vale Verde de Educação"
RAZAO_MUNICIPIO = "Município de São José das Almas"
ERRO_CPF = "dígitos verificadores não conferem"


@pytest.fixture
def midia(settings, tmp_path):
    """Arquivos enviados (a planilha e o CSV de erros) numa pasta do teste."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- Preparação ---------------------------------------------------------------------------------


@pytest.fixture
def administrador(transactional_db):
    return UsuarioFactory(
        aceitou_termo=True, is_staff=True, is_superuser=True, nome="Beatriz Administradora"
    )


def _cpf_com_dv_errado():
    cpf = cpf_aleatorio()
    return cpf[:-1] + str((int(cpf[-1]) + 1) % 10)


@pytest.fixture
def pessoas():
    """As duas RLs das linhas válidas (CPF, nome, e-mail)."""
    return [
        (cpf_aleatorio(), "Maria Aparecida Importada", "maria.importada@exemplo.mg.gov.br"),
        (cpf_aleatorio(), "José Carlos Importado", "jose.importado@exemplo.mg.gov.br"),
    ]


@pytest.fixture
def planilha(tmp_path, pessoas):
    """CSV com o cabeçalho do arquivo-modelo: linha 2 válida, 3 inválida (CPF), 4 válida."""
    cabecalho = next(csv.reader(io.StringIO(modelo_csv().lstrip("\ufeff")), delimiter=";"))
    (cpf_1, nome_1, email_1), (cpf_2, nome_2, email_2) = pessoas
    comum = {
        "telefone": "(31) 99876-5432",
        "municipio": "São José das Almas",
        "uf": "MG",
        "mandato_inicio": "01/01/2025",
        "mandato_fim": "31/12/2028",
    }
    linhas = [
        {
            **comum,
            "cpf": formatar(cpf_1),
            "nome": nome_1,
            "email": email_1,
            "cnpj": CNPJ_LIVRE,
            "razao_social": RAZAO_ASSOCIACAO,
            "natureza_juridica": "399-9",
            "tipo": "Entidade Privada Sem Fins Lucrativos",
            "cargo": "Presidente",
        },
        {
            **comum,
            "cpf": formatar(_cpf_com_dv_errado()),
            "nome": "Pessoa Com CPF Errado",
            "email": "cpf.errado@exemplo.mg.gov.br",
            "cnpj": "07000003000174",
            "razao_social": "Associação Que Não Entra",
            "natureza_juridica": "399-9",
            "tipo": "Entidade Privada Sem Fins Lucrativos",
            "cargo": "Presidente",
        },
        {
            **comum,
            "cpf": cpf_2,
            "nome": nome_2,
            "email": email_2,
            "cnpj": CNPJ_MUNICIPIO,
            "razao_social": RAZAO_MUNICIPIO,
            "natureza_juridica": "124-4",
            "tipo": "Município",
            "cargo": "Prefeito",
        },
    ]
    saida = io.StringIO()
    escritor = csv.writer(saida, delimiter=";", lineterminator="\r\n")
    escritor.writerow(cabecalho)
    for valores in linhas:
        escritor.writerow([valores.get(coluna, "") for coluna in cabecalho])
    destino = tmp_path / "carga-representantes.csv"
    destino.write_text("\ufeff" + saida.getvalue(), encoding="utf-8")
    return destino


# --- Ajudantes do admin ---------------------------------------------------------------------------


def conteudo_admin(page):
    return page.locator("#content-main")


def mensagens_admin(page):
    return page.locator("ul.messagelist")


def linha_da_lista(page, texto):
    return page.locator("#result_list tbody tr").filter(has_text=texto)


def test_importa_previa_confirma_convida_e_rl_ativa_a_conta(
    pagina, nova_aba, tela, portal, administrador, planilha, pessoas, midia
):
    page = pagina

    # --- 1. A administradora entra pela página única de login e abre o admin
    page.goto("/entrar/")
    assert entrar(page, formatar(administrador.cpf), SENHA).status == 302
    page.goto("/admin/parceiros/importacaocadastro/")
    expect(page.locator("#content")).to_contain_text("Baixar modelo (CSV)")
    modelo = page.request.get(f"{portal.url}/admin/parceiros/importacaocadastro/modelo.csv")
    assert modelo.ok and modelo.text().lstrip("\ufeff").startswith("cpf;nome;email;")

    # --- 2. Envio da planilha
    page.goto("/admin/parceiros/importacaocadastro/add/")
    page.get_by_label(re.compile(r"^Arquivo \(CSV ou XLSX\)")).set_input_files(planilha)
    tela("admin-envio")
    enviar_admin = page.locator("input[type=submit][name=_save]")
    with page.expect_navigation(url=re.compile(r"/importacaocadastro/\d+/change/$")):
        enviar_admin.click()
    importacao = ImportacaoCadastro.objects.get()
    detalhe = f"/admin/parceiros/importacaocadastro/{importacao.pk}/change/"
    assert caminho(page.url) == detalhe

    # --- 3. Prévia: contagens e o primeiro erro com o número da linha
    principal = conteudo_admin(page)
    expect(page.get_by_role("heading", name="Prévia (nada foi gravado)")).to_be_visible()
    expect(principal).to_contain_text("Pronta para confirmar")
    expect(principal).to_contain_text("Linhas: 3 · válidas: 2 · inválidas: 1")
    expect(page.get_by_role("heading", name="Erros: 1 em 1 linha")).to_be_visible()
    erro = principal.locator("table").last.locator("tbody tr").first
    expect(erro.locator("td")).to_have_text(["3", "CPF", ERRO_CPF])
    organizacoes = principal.get_by_role("row").filter(has_text="Organizações")
    expect(organizacoes.locator("td").first).to_have_text("2")
    tela("admin-previa")
    assert not Usuario.objects.filter(origem=Usuario.Origem.IMPORTACAO).exists()

    # --- 4. Confirmar → resultado (se a página ainda mostrar o progresso, ela se recarrega)
    confirmar = principal.get_by_role("button", name="Confirmar importação")
    with page.expect_navigation(url=re.compile(rf"{re.escape(detalhe)}$")):
        confirmar.click()
    if page.get_by_text("Esta página se atualiza sozinha").is_visible():
        page.reload()
    expect(page.get_by_role("heading", name="Resultado da importação")).to_be_visible()
    expect(principal).to_contain_text("Concluída")
    expect(principal).to_contain_text("Linhas: 3 · válidas: 2 · inválidas: 1")
    for grupo in ("Pessoas", "Organizações", "Vínculos de RL"):
        novos = principal.get_by_role("row").filter(has_text=grupo).locator("td").first
        expect(novos).to_have_text("2")
    expect(principal.get_by_role("button", name="Confirmar importação")).to_have_count(0)
    tela("admin-resultado")

    # O CSV de erros, baixado na sessão do navegador
    link_erros = principal.get_by_role("link", name="Baixar erros (CSV)")
    resposta = page.request.get(portal.url + link_erros.get_attribute("href"))
    assert resposta.ok
    assert resposta.headers["content-disposition"].startswith("attachment")
    linhas_erros = resposta.body().decode("utf-8-sig").splitlines()
    assert linhas_erros[:2] == [
        "arquivo;linha;coluna;motivo",
        f"carga-representantes.csv;3;CPF;{ERRO_CPF}",
    ]

    # --- 5. Usuários: seleciona as importadas pendentes e envia o convite
    page.goto("/admin/accounts/usuario/?origem__exact=importacao&situacao__exact=pendente")
    for _, nome, _ in pessoas:
        linha_da_lista(page, nome).locator("input[name=_selected_action]").check()
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    page.locator("select[name=action]").select_option("enviar_convites")
    with page.expect_navigation():
        page.get_by_role("button", name="Ir").click()
    expect(mensagens_admin(page)).to_contain_text("2 convite(s) agendado(s)")
    expect(mensagens_admin(page)).to_contain_text("0 pessoa(s) ainda sem convite")
    expect(mensagens_admin(page).locator(".warning")).to_have_count(0)
    tela("admin-convites-enviados")
    assert page.erros_js == [], page.erros_js

    # --- 6. A RL abre o convite no próprio navegador e ativa a conta
    cpf_rl, nome_rl, email_rl = pessoas[0]
    link = link_recebido("convite", email_rl, "/primeiro-acesso/")
    assert link.startswith(f"{portal.url}/primeiro-acesso/")
    rl = nova_aba()
    rl.goto(link)
    # Issue #13: quem foi importado valida o cadastro e vê a organização importada
    expect(rl.get_by_role("heading", level=1)).to_have_text("Validação de cadastro")
    expect(rl.locator("main")).to_contain_text(f"Olá, {nome_rl}")
    expect(rl.get_by_role("region", name="Seus dados no CAGEC")).to_contain_text(RAZAO_ASSOCIACAO)
    campo(rl, "CPF").fill(formatar(cpf_rl))
    campo(rl, "Nova senha").fill(NOVA_SENHA)
    campo(rl, "Confirmação da nova senha").fill(NOVA_SENHA)
    tela("rl-primeiro-acesso", rl)
    enviar(rl, "Validar cadastro e ativar conta", caminho_post="/primeiro-acesso/")
    expect(rl).to_have_url(f"{portal.url}/entrar/")
    expect(rl.get_by_role("status")).to_contain_text("Conta ativada.")

    # Entrar → termo → painel com a organização importada
    entrar(rl, formatar(cpf_rl), NOVA_SENHA)
    expect(rl).to_have_url(re.compile(r"/termos/\?next=/painel/$"))
    rl.get_by_label("Li e aceito o Termo de Uso e a Política de Privacidade.").check()
    enviar(rl, "Aceitar e continuar", caminho_post="/termos/")
    expect(rl).to_have_url(f"{portal.url}/painel/")
    expect(rl.get_by_role("heading", level=1)).to_have_text("Olá, Maria")
    minhas = rl.get_by_role("region", name="Minhas organizações")
    expect(minhas.get_by_role("link", name=RAZAO_ASSOCIACAO)).to_be_visible()
    expect(minhas).to_contain_text("07.000.002/0001-20")
    expect(minhas).not_to_contain_text(RAZAO_MUNICIPIO)
    tela("rl-painel", rl)
    assert Usuario.objects.get(cpf=cpf_rl).situacao == Usuario.Situacao.ATIVO
    assert rl.erros_js == [], rl.erros_js
