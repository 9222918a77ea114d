"""As cinco jornadas da issue #13, de ponta a ponta, em 1366×768 e em 390×844.

Visitante, nova pessoa, inscrição de organização (com erros no envio e uma devolução),
analista e representante legal pré-cadastrado (importado). Em cada passo: o texto que a pessoa
usa para se orientar (título, situação, próximo passo) e uma captura da página inteira em
``artefatos/jornadas/<largura>/<jornada>-<NN>-<passo>.png`` (pasta ignorada pelo git), para
comparar antes e depois. O axe-core roda em cada página visitada (``conftest.py``).

Só se interage pela tela; os atalhos são os dos outros testes de navegador: preparar pessoas e
organizações pelos serviços e ler os e-mails na caixa de saída.
"""

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Usuario
from parceiros.models import Obrigacao, Solicitacao
from tests.e2e.conftest import RAIZ, TEMPO_LIMITE_MS, _nome_arquivo
from tests.e2e.test_analise_navegador import _em_analise
from tests.e2e.test_inscricao_navegador import (
    botao,
    campo,
    enviar,
    formatar,
    link_recebido,
    menu,
)
from tests.e2e.test_parceiro_navegador import (
    anexar,
    assinar,
    confirmar_anexado,
    rotulo,
)
from tests.e2e.test_publico_navegador import (  # noqa: F401 — fixtures do visitante
    BUSCA,
    CNPJ_FORMATADO,
    RAZAO_SOCIAL,
    associacao,
    definicao,
    linhas_da_tabela,
    municipio,
    representante,
    resultados,
)
from tests.factories import SENHA, UsuarioFactory, cpf_aleatorio, pdf_pequeno

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CAPTURAS = RAIZ / "artefatos" / "jornadas"
LARGURAS = {
    "1366": {"viewport": {"width": 1366, "height": 768}},
    "390": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
NOVA_SENHA = "Ipê-Amarelo#2026"
CNPJ_NOVO = "12.ABC.345/01DE-35"
RAZAO_NOVA = "ASSOCIACAO DOS MORADORES DO BAIRRO ALVORADA"
TIPO_OSC = "Entidade Privada Sem Fins Lucrativos (Organização da Sociedade Civil)"
CERTIDAO = "Certidão conjunta RFB/PGFN"
ESTATUTO = "Estatuto social e alterações"
CPF_RL = "Inscrição no CPF do representante legal"
MOTIVO_DOCUMENTO = "A certidão enviada está ilegível: o código de controle não aparece."
MOTIVO_DECISAO = "Envie de novo a certidão conjunta, completa e legível."


# --- Largura, abas e capturas -----------------------------------------------------------------


@pytest.fixture(params=list(LARGURAS), ids=lambda largura: f"{largura}px")
def largura(request):
    return request.param


@dataclass
class Jornada:
    """As abas de uma jornada numa largura, e as capturas numeradas de cada passo."""

    nome: str
    largura: str
    abrir_aba: Callable
    contador: int = 0

    def aba(self):
        page = self.abrir_aba(**LARGURAS[self.largura])
        # Jornadas longas, com assinatura (hash de senha, PDF): folga para uma máquina carregada.
        page.set_default_timeout(TEMPO_LIMITE_MS * 2)
        return page

    def _destino(self, nome):
        self.contador += 1
        pasta = CAPTURAS / self.largura
        pasta.mkdir(parents=True, exist_ok=True)
        return pasta / f"{self.nome}-{self.contador:02d}-{_nome_arquivo(nome)}.png"

    def passo(self, page, nome):
        """Salva a página inteira em artefatos/jornadas/<largura>/<jornada>-NN-<passo>.png."""
        destino = self._destino(nome)
        page.screenshot(path=str(destino), full_page=True)
        return destino

    def passo_pdf(self, conteudo, nome):
        """A primeira página de um PDF (o CRC), renderizada, no lugar de uma captura de tela."""
        import pypdfium2

        destino = self._destino(nome)
        documento = pypdfium2.PdfDocument(conteudo)
        try:
            documento[0].render(scale=1.5).to_pil().save(destino)
        finally:
            documento.close()
        return destino


@pytest.fixture
def jornada(nova_aba, largura):
    def comecar(nome):
        for antiga in (CAPTURAS / largura).glob(f"{nome}-*.png"):
            antiga.unlink()
        return Jornada(nome, largura, nova_aba)

    return comecar


# --- Ajudantes de tela ------------------------------------------------------------------------


def titulo(page):
    return page.get_by_role("heading", level=1)


def principal(page):
    return page.locator("main")


def abrir_menu_se_recolhido(page):
    """No celular o menu do cabeçalho fica recolhido atrás de "Abrir o menu"."""
    alternador = menu(page).get_by_role("button", name="Abrir o menu")
    if alternador.is_visible() and alternador.get_attribute("aria-expanded") != "true":
        alternador.click()
        expect(alternador).to_have_attribute("aria-expanded", "true")


def entrar_pelo_menu(page, cpf, senha, portal):
    page.goto("/")
    abrir_menu_se_recolhido(page)
    menu(page).get_by_role("button", name="ENTRAR").click()
    menu(page).get_by_role("link", name="Usuário existente").click()
    expect(page).to_have_url(f"{portal.url}/entrar/")
    campo(page, "CPF").fill(formatar(cpf))
    campo(page, "Senha").fill(senha)
    return enviar(page, "Entrar", caminho_post="/entrar/")


def sem_rolagem_lateral(page):
    largura = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert largura[0] <= largura[1], f"a página rola para o lado em {page.url}: {largura}"


def situacao(page):
    """O parágrafo "CNPJ … · Situação: …" do cabeçalho da solicitação."""
    return principal(page).locator("p").filter(has_text="Situação:").first


def proximo_passo(page):
    return principal(page).locator(".alert").filter(has_text="Próximo passo:")


def sem_erros_js(*paginas):
    """Sem erro de JS nem recurso faltando. O 422 do envio de documento pelo script (JSON com
    os erros do formulário) é a resposta esperada de um envio recusado."""
    for page in paginas:
        inesperados = [e for e in page.erros_js if not re.match(r"422 .*/documentos/$", e)]
        assert inesperados == [], (page.url, inesperados)


# --- Depois da assinatura: o passo que a issue #13 (item 1) está mudando ------------------------


def depois_de_assinar_fica_em_analise(page, pk, portal, jornada):
    """Quem assina é o RL que preparou: a assinatura já encaminha para análise (item 1).

    O passo que o item 1 da issue #13 mudou fica todo aqui.
    """
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/")
    expect(page.get_by_role("status").first).to_contain_text(
        "Declaração assinada e solicitação encaminhada para análise."
    )
    expect(situacao(page)).to_contain_text("Em análise")
    expect(botao(page, "Encaminhar para análise")).to_have_count(0)
    jornada.passo(page, "assinada-em-analise")


# --- (a) Visitante ----------------------------------------------------------------------------


def test_jornada_visitante(jornada, portal, associacao, municipio):  # noqa: F811
    j = jornada("visitante")
    page = j.aba()

    page.goto("/")
    expect(titulo(page)).to_have_text("Cadastro Geral de Convenentes")
    rapido = page.get_by_role("navigation", name="Acesso rápido")
    expect(rapido.get_by_role("link", name=re.compile(r"^Consultar organizações"))).to_be_visible()
    j.passo(page, "inicio")

    rapido.get_by_role("link", name=re.compile(r"^Consultar organizações")).click()
    expect(page).to_have_url(f"{portal.url}/consulta/")
    expect(titulo(page)).to_have_text("Consulta pública de Parceiros/Convenentes")
    j.passo(page, "consulta")

    campo(page, "Nome").fill(BUSCA)
    with page.expect_navigation():
        botao(page, "Consultar").click()
    expect(resultados(page)).to_contain_text("1 organização encontrada.")
    linha = linhas_da_tabela(page, RAZAO_SOCIAL)
    expect(linha).to_have_count(1)
    expect(linha).to_contain_text(CNPJ_FORMATADO)
    expect(linha.locator(".badge")).to_have_text("Irregular")
    emitir = linha.get_by_role("link", name=f"Emitir CRC de {RAZAO_SOCIAL}", exact=True)
    expect(emitir).to_be_attached()
    sem_rolagem_lateral(page)
    j.passo(page, "resultados")

    # Emitir CRC: a resposta é o PDF (inline). Os bytes vêm de um pedido na mesma sessão: o
    # leitor de PDF do Chromium fica com o corpo da resposta da navegação.
    href = emitir.get_attribute("href")
    crc = page.context.request.get(href)
    assert crc.status == 200
    assert crc.headers["content-type"] == "application/pdf"
    assert crc.headers["content-disposition"].startswith("inline")
    pdf = crc.body()
    codigo = re.search(r"crc-\d+-([0-9A-Z]{16})\.pdf", crc.headers["content-disposition"])[1]
    j.passo_pdf(pdf, "crc-pagina-1")

    principal(page).get_by_role("link", name="Verificar autenticidade").click()
    expect(page).to_have_url(f"{portal.url}/verificar/")
    expect(titulo(page)).to_have_text("Verificar autenticidade")
    campo(page, "Código de verificação").fill(codigo.lower())
    j.passo(page, "verificar-codigo")
    assert enviar(page, "Verificar", caminho_post="/verificar/").status == 302
    expect(titulo(page)).to_have_text("Documento autêntico")
    expect(principal(page).get_by_role("status")).to_contain_text(
        "Este CRC foi emitido pelo Portal CAGEC e não foi revogado."
    )
    expect(definicao(page, "Parceiro/Convenente")).to_contain_text(RAZAO_SOCIAL)
    expect(definicao(page, "Situação hoje")).to_have_text("Irregular")
    sem_rolagem_lateral(page)
    j.passo(page, "verificado-pelo-codigo")

    principal(page).get_by_role("link", name="Verificar outro documento").click()
    campo(page, "Ou envie o arquivo PDF").set_input_files(
        files=[{"name": f"crc-{codigo}.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    assert enviar(page, "Verificar", caminho_post="/verificar/").status == 200
    expect(titulo(page)).to_have_text("Documento autêntico")
    expect(principal(page).get_by_role("status")).to_contain_text(
        "O arquivo enviado é idêntico ao original"
    )
    j.passo(page, "verificado-pelo-arquivo")
    sem_erros_js(page)


# --- (b) Nova pessoa --------------------------------------------------------------------------


def test_jornada_nova_pessoa(jornada, portal):
    j = jornada("nova-pessoa")
    page = j.aba()
    cpf, email = cpf_aleatorio(), "joana.jornada@exemplo.com.br"

    page.goto("/")
    abrir_menu_se_recolhido(page)
    menu(page).get_by_role("button", name="ENTRAR").click()
    expect(menu(page).get_by_role("link", name="Novo usuário")).to_be_visible()
    j.passo(page, "menu-entrar")
    menu(page).get_by_role("link", name="Novo usuário").click()
    expect(titulo(page)).to_have_text("Inscrição de novo usuário")
    campo(page, "CPF").fill(formatar(cpf))
    campo(page, "Nome completo").fill("Joana Aparecida Jornada")
    campo(page, "E-mail").fill(email)
    campo(page, "Confirmação do e-mail").fill(email)
    campo(page, "Telefone").fill("(31) 99876-5432")
    j.passo(page, "inscricao-preenchida")
    assert enviar(page, "Enviar inscrição", caminho_post="/inscricao/").status == 302
    expect(titulo(page)).to_have_text("Inscrição recebida")
    expect(principal(page)).to_contain_text("Se os dados estiverem corretos")
    j.passo(page, "inscricao-recebida")

    page.goto(link_recebido("primeiro_acesso", email, "/primeiro-acesso/"))
    expect(titulo(page)).to_have_text("Primeiro acesso")
    expect(principal(page)).to_contain_text("Olá, Joana Aparecida Jornada")
    campo(page, "CPF").fill(cpf)
    campo(page, "Nova senha").fill(NOVA_SENHA)
    campo(page, "Confirmação da nova senha").fill(NOVA_SENHA)
    j.passo(page, "primeiro-acesso")
    enviar(page, "Ativar conta", caminho_post="/primeiro-acesso/")
    expect(page).to_have_url(f"{portal.url}/entrar/")
    expect(page.get_by_role("status")).to_contain_text("Conta ativada.")
    j.passo(page, "conta-ativada")

    campo(page, "CPF").fill(formatar(cpf))
    campo(page, "Senha").fill(NOVA_SENHA)
    enviar(page, "Entrar", caminho_post="/entrar/")
    expect(page).to_have_url(re.compile(r"/termos/\?next=/painel/$"))
    expect(titulo(page)).to_contain_text("Termo de Uso")
    j.passo(page, "termo")
    page.get_by_label("Li e aceito o Termo de Uso e a Política de Privacidade.").check()
    enviar(page, "Aceitar e continuar", caminho_post="/termos/")
    expect(page).to_have_url(f"{portal.url}/painel/")
    expect(titulo(page)).to_have_text("Olá, Joana")
    expect(principal(page).get_by_role("link", name="Inscrever organização")).to_be_visible()
    sem_rolagem_lateral(page)
    j.passo(page, "painel")
    sem_erros_js(page)


# --- (c) Inscrição de organização, com erros no envio e uma devolução ---------------------------


def _dados_e_representante(page, j, portal, hoje):
    """Painel → Inscrever organização → CNPJ → dados → "sou o RL". Devolve o número."""
    principal(page).get_by_role("link", name="Inscrever organização").click()
    expect(titulo(page)).to_have_text("Inscrever organização no CAGEC")
    campo(page, "CNPJ").fill(CNPJ_NOVO)
    j.passo(page, "cnpj")
    assert enviar(page, "Buscar na Receita Federal", caminho_post="/solicitacoes/").status == 302
    expect(page).to_have_url(re.compile(r"/solicitacoes/\d+/dados/$"))
    pk = int(re.search(r"/solicitacoes/(\d+)/", page.url)[1])
    expect(titulo(page)).to_have_text(RAZAO_NOVA)
    expect(page.get_by_role("region", name=re.compile(r"^Dados da Receita"))).to_contain_text(
        "ATIVA"
    )
    campo(page, "Tipo de parceiro").select_option(label=TIPO_OSC)
    campo(page, "E-mail institucional").fill("contato@amba-alvorada.org.br")
    campo(page, "Telefone").fill("(31) 3333-4455")
    j.passo(page, "dados")
    assert enviar(page, "Salvar e continuar", caminho_post=f"/solicitacoes/{pk}/").status == 302

    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/representante/")
    principal(page).get_by_label("Eu sou o representante legal").check()
    campo(page, "Cargo").fill("Presidente")
    campo(page, "Início do mandato").fill((hoje - timedelta(days=365)).isoformat())
    campo(page, "Fim do mandato").fill((hoje + timedelta(days=3 * 365)).isoformat())
    j.passo(page, "representante")
    assert enviar(page, "Salvar e continuar", caminho_post=f"/solicitacoes/{pk}/").status == 302
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/documentos/")
    return pk


def _documentos_com_erros(page, j, arquivos, hoje):
    """Tipo errado, depois data vencida, depois certo; e mais dois documentos."""
    expect(page.get_by_role("heading", level=2, name="Documentos")).to_be_visible()
    j.passo(page, "documentos")
    falso = arquivos("certidao.pdf", b"<!DOCTYPE html><html><body>nao sou PDF</body></html>")
    item, resposta = anexar(page, CERTIDAO, falso, valido_ate=hoje + timedelta(days=90))
    assert resposta.status == 422
    expect(item).to_contain_text("Este arquivo não é um PDF, PNG ou JPEG")
    j.passo(page, "erro-tipo-de-arquivo")

    ontem = hoje - timedelta(days=1)
    item, resposta = anexar(page, CERTIDAO, arquivos("certidao.pdf"), valido_ate=ontem)
    assert resposta.status == 422
    expect(item).to_contain_text("Este documento já venceu.")
    expect(item.get_by_label(rotulo("Válido até"))).to_be_visible()
    j.passo(page, "erro-data-vencida")

    validade = hoje + timedelta(days=180)
    enviados = [
        (CERTIDAO, "certidao-rfb-pgfn.pdf", validade),
        (CPF_RL, "cpf-presidente.pdf", None),
        (ESTATUTO, "estatuto.pdf", None),
    ]
    for obrigacao, nome, valido_ate in enviados:
        _, resposta = anexar(page, obrigacao, arquivos(nome), valido_ate=valido_ate)
        assert resposta.status == 200, obrigacao
        confirmar_anexado(page, obrigacao, nome)
    j.passo(page, "documentos-anexados")
    return validade


def _revisar_e_assinar(page, j, portal, pk, pessoa, *, quantos):
    principal(page).get_by_role("link", name="Continuar para a revisão").first.click()
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/revisao/")
    expect(principal(page)).to_contain_text(f"Documentos anexados ({quantos})")
    j.passo(page, "revisao")
    assert enviar(page, "Enviar para assinatura", caminho_post=f"/solicitacoes/{pk}/").status == 302
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/assinar/")
    expect(titulo(page)).to_have_text("Declaração de Autenticidade dos Documentos Apresentados")
    j.passo(page, "declaracao")
    assert assinar(page, pessoa.cpf, SENHA, caminho_post=f"/solicitacoes/{pk}/").status == 302


def _analista_devolve(j, portal, pk, analista):
    """Outra sessão, a mesma largura: a analista reprova a certidão e devolve."""
    page = j.aba()
    assert entrar_pelo_menu(page, analista.cpf, SENHA, portal).status == 302
    page.goto("/analise/")
    expect(titulo(page)).to_have_text("Solicitações em análise")
    linha = principal(page).get_by_role("row").filter(has_text=RAZAO_NOVA)
    expect(linha).to_have_count(1)
    j.passo(page, "analista-fila")
    linha.get_by_role("link", name=RAZAO_NOVA).click()  # a linha abre pelo nome (item 9)
    expect(titulo(page)).to_have_text(RAZAO_NOVA)
    documento = principal(page).get_by_role("group", name=CERTIDAO, exact=True)
    documento.get_by_role("radio", name="Reprovar", exact=True).check()
    documento.get_by_label(re.compile(r"^\s*Motivo da reprovação")).fill(MOTIVO_DOCUMENTO)
    principal(page).get_by_role("radio", name="Devolvida para correção", exact=True).check()
    campo(page, "Motivo").fill(MOTIVO_DECISAO)
    j.passo(page, "analista-devolvendo")
    assert enviar(page, "Registrar decisão", caminho_post=f"/analise/{pk}/").status == 302
    expect(page.get_by_role("status")).to_contain_text(f"Decisão registrada: solicitação nº {pk}.")
    sem_erros_js(page)


def test_jornada_inscricao_de_organizacao(jornada, portal, arquivos, analista):
    j = jornada("inscricao")
    page = j.aba()
    hoje = timezone.localdate()
    pessoa = UsuarioFactory(aceitou_termo=True, nome="Lúcia Alvorada", email="lucia@exemplo.org")
    analista.groups.add(Group.objects.get(name="Analista"))

    assert entrar_pelo_menu(page, pessoa.cpf, SENHA, portal).status == 302
    expect(titulo(page)).to_have_text("Olá, Lúcia")
    j.passo(page, "painel")
    pk = _dados_e_representante(page, j, portal, hoje)
    _documentos_com_erros(page, j, arquivos, hoje)
    _revisar_e_assinar(page, j, portal, pk, pessoa, quantos=3)
    depois_de_assinar_fica_em_analise(page, pk, portal, j)

    _analista_devolve(j, portal, pk, analista)

    # A solicitante vê a devolução: situação, motivo e o documento reprovado
    page.goto("/painel/")
    minhas = page.get_by_role("region", name="Minhas solicitações")
    expect(minhas).to_contain_text("Devolvida para correção")
    j.passo(page, "painel-devolvida")
    page.goto(f"/solicitacoes/{pk}/")
    expect(situacao(page)).to_contain_text("Devolvida")
    expect(proximo_passo(page)).to_contain_text("Corrigir o que a análise apontou")
    expect(principal(page)).to_contain_text(f"Motivo informado pela análise: {MOTIVO_DECISAO}")
    linha = principal(page).get_by_role("row").filter(has_text=CERTIDAO)
    expect(linha).to_contain_text(MOTIVO_DOCUMENTO)
    j.passo(page, "devolvida")

    # Corrige: troca a certidão, revisa, assina de novo e reenvia
    principal(page).get_by_role("link", name=re.compile(r"Continuar\s+preenchimento")).first.click()
    expect(page).to_have_url(re.compile(rf"/solicitacoes/{pk}/[\w-]+/"))
    j.passo(page, "continuar-preenchimento")
    page.goto(f"/solicitacoes/{pk}/documentos/")
    nova = hoje + timedelta(days=200)
    _, resposta = anexar(page, CERTIDAO, arquivos("certidao-legivel.pdf"), valido_ate=nova)
    assert resposta.status == 200
    confirmar_anexado(page, CERTIDAO, "certidao-legivel.pdf")
    j.passo(page, "certidao-trocada")
    _revisar_e_assinar(page, j, portal, pk, pessoa, quantos=3)
    depois_de_assinar_fica_em_analise(page, pk, portal, j)
    assert Solicitacao.objects.get(pk=pk).status == Solicitacao.Status.EM_ANALISE
    sem_erros_js(page)


@pytest.fixture
def arquivos(tmp_path):
    def criar(nome, conteudo=None):
        destino = tmp_path / nome
        destino.write_bytes(conteudo if conteudo is not None else pdf_pequeno(nome))
        return destino

    return criar


# --- (d) Analista -----------------------------------------------------------------------------


def test_jornada_analista(jornada, portal, parceiro, rl, analista):
    j = jornada("analista")
    analista.groups.add(Group.objects.get(name="Analista"))
    obrigacao = parceiro.tipo.obrigacoes.get(nome=CERTIDAO)
    assert obrigacao.regra_validade == Obrigacao.Regra.DATA_INFORMADA
    validade = timezone.localdate() + timedelta(days=180)
    solicitacao = _em_analise(parceiro, rl, [(obrigacao, {"data_validade": validade})])
    pk = solicitacao.pk
    page = j.aba()

    assert entrar_pelo_menu(page, analista.cpf, SENHA, portal).status == 302
    expect(titulo(page)).to_have_text("Olá, Ana")
    j.passo(page, "inicio")
    abrir_menu_se_recolhido(page)
    menu(page).get_by_role("link", name="Análise", exact=True).click()
    expect(page).to_have_url(f"{portal.url}/analise/")
    expect(titulo(page)).to_have_text("Solicitações em análise")
    linha = principal(page).get_by_role("row").filter(has_text=parceiro.razao_social)
    expect(linha).to_have_count(1)
    expect(linha).to_contain_text("Atualização de documentos")
    j.passo(page, "fila")

    linha.get_by_role("link", name=parceiro.razao_social).click()
    expect(page).to_have_url(f"{portal.url}/analise/{pk}/")
    expect(titulo(page)).to_have_text(parceiro.razao_social)
    expect(principal(page)).to_contain_text("Situação: Em análise")
    documento = principal(page).get_by_role("group", name=CERTIDAO, exact=True)
    expect(documento).to_contain_text(f"vence em {validade:%d/%m/%Y}")
    j.passo(page, "decisao")

    # Sem decisão: o erro aparece e nada é decidido
    assert enviar(page, "Registrar decisão", caminho_post=f"/analise/{pk}/").status == 200
    expect(page.locator(".invalid-feedback, #resumo-erros").first).to_be_visible()
    j.passo(page, "sem-decisao")

    documento = principal(page).get_by_role("group", name=CERTIDAO, exact=True)
    documento.get_by_role("radio", name="Aprovar", exact=True).check()
    principal(page).get_by_role("radio", name="Aprovada", exact=True).check()
    j.passo(page, "aprovando")
    assert enviar(page, "Registrar decisão", caminho_post=f"/analise/{pk}/").status == 302
    expect(page).to_have_url(f"{portal.url}/analise/")
    expect(page.get_by_role("status")).to_contain_text(f"Decisão registrada: solicitação nº {pk}.")
    expect(principal(page)).to_contain_text("Nenhuma solicitação esperando análise.")
    j.passo(page, "fila-vazia")
    assert Solicitacao.objects.get(pk=pk).status == Solicitacao.Status.APROVADA
    sem_erros_js(page)


# --- (e) Representante legal pré-cadastrado (importado) -----------------------------------------


@pytest.fixture
def demonstracao(settings, tmp_path):
    """Os dados de ``make run`` (carregar_demo), com os arquivos numa pasta temporária."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEBUG = True  # carregar_demo só roda no modo embutido
    call_command("carregar_demo", stdout=io.StringIO())
    settings.DEBUG = False
    pendentes = Usuario.objects.filter(
        origem=Usuario.Origem.IMPORTACAO, situacao=Usuario.Situacao.PENDENTE
    )
    pessoa = pendentes.order_by("pk").first()
    assert pessoa is not None, "a demonstração não tem RL pré-cadastrado com convite pendente"
    return pessoa


def test_jornada_rl_pre_cadastrado(jornada, portal, demonstracao):
    j = jornada("rl-importado")
    pessoa = demonstracao
    page = j.aba()

    # O convite leva à validação do cadastro, com o que veio do sistema anterior (item 13)
    page.goto(link_recebido("convite", pessoa.email, "/primeiro-acesso/"))
    expect(titulo(page)).to_have_text("Validação de cadastro")
    expect(principal(page)).to_contain_text(f"Olá, {pessoa.nome}")
    importados = page.get_by_role("region", name="Seus dados no CAGEC")
    organizacao = importados.locator("strong").first
    expect(organizacao).not_to_be_empty()
    for termo in ("CNPJ", "Cargo", "Mandato"):
        expect(importados.locator("dt").filter(has_text=termo).first).to_be_visible()
    razao_social = organizacao.inner_text().strip()
    j.passo(page, "validacao-de-cadastro")
    campo(page, "CPF").fill(formatar(pessoa.cpf))
    campo(page, "Nova senha").fill(NOVA_SENHA)
    campo(page, "Confirmação da nova senha").fill(NOVA_SENHA)
    enviar(page, "Validar cadastro e ativar conta", caminho_post="/primeiro-acesso/")
    expect(page).to_have_url(f"{portal.url}/entrar/")
    expect(page.get_by_role("status")).to_contain_text("Conta ativada.")
    j.passo(page, "conta-ativada")

    campo(page, "CPF").fill(formatar(pessoa.cpf))
    campo(page, "Senha").fill(NOVA_SENHA)
    enviar(page, "Entrar", caminho_post="/entrar/")
    page.get_by_label("Li e aceito o Termo de Uso e a Política de Privacidade.").check()
    j.passo(page, "termo")
    enviar(page, "Aceitar e continuar", caminho_post="/termos/")
    expect(page).to_have_url(f"{portal.url}/painel/")
    expect(titulo(page)).to_have_text(f"Olá, {pessoa.nome.split()[0]}")
    minhas = page.get_by_role("region", name="Minhas organizações")
    expect(minhas.get_by_role("link", name=razao_social)).to_be_visible()
    expect(principal(page)).not_to_contain_text("Você ainda não está vinculado")
    j.passo(page, "painel")
    sem_erros_js(page)
