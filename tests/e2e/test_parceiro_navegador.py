"""De ponta a ponta, como uma pessoa faria: inscrição de Parceiro pelo RL e atualização de
documentos preparada por um RI e assinada pelo RL (produto §3.3).

Só se interage pela tela (rótulos, papéis e textos visíveis). Os atalhos são preparar as
pessoas e a organização existente (fábricas) e ler a caixa de saída, como nos outros testes
de navegador.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from declaracoes.models import Declaracao
from parceiros.models import Solicitacao
from tests.conftest import ultimo_email
from tests.e2e.test_inscricao_navegador import (
    botao,
    campo,
    clicar_e_carregar,
    entrar,
    enviar,
    formatar,
    link_recebido,
    menu,
)
from tests.factories import SENHA, UsuarioFactory, pdf_pequeno

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CNPJ_DIGITADO = "12.ABC.345/01DE-35"
RAZAO_SOCIAL = "ASSOCIACAO DOS MORADORES DO BAIRRO ALVORADA"
TIPO_OSC = "Entidade Privada Sem Fins Lucrativos (Organização da Sociedade Civil)"
ROTULO_ARQUIVO = "Arquivo (PDF, PNG ou JPEG, até 20 MB)"
RECUSA_FORMATO = "Este arquivo não é um PDF, PNG ou JPEG"
CELULAR = {"width": 390, "height": 844}


@pytest.fixture
def arquivos(tmp_path):
    """``arquivos(nome, conteudo=None)``: um arquivo de verdade no disco (PDF pequeno)."""

    def criar(nome, conteudo=None):
        destino = tmp_path / nome
        destino.write_bytes(conteudo if conteudo is not None else pdf_pequeno(nome))
        return destino

    return criar


# --- Ajudantes da tela de documentos ---------------------------------------------------------


def item_da_checklist(page, obrigacao):
    """O item (``<li>``) da checklist de documentos pelo nome visível da Obrigação.

    Os grupos são ``<details>`` (os prontos começam recolhidos): abre o do item, se preciso.
    """
    fechado = page.locator("details.grupo-documentos:not([open])", has_text=obrigacao)
    if fechado.count():
        fechado.first.locator("summary").first.click()
    return (
        page.locator("main")
        .get_by_role("listitem")
        .filter(has=page.get_by_role("heading", name=obrigacao, exact=True))
    )


def rotulo(texto):
    """Rótulo inteiro, com o asterisco (escondido pelo CSS) opcional; ver ``campo``."""
    return re.compile(rf"^\s*{re.escape(texto)}\*?\s*$")


def anexar(page, obrigacao, arquivo, *, valido_ate=None):
    """Abre "Anexar arquivo" do item, informa a validade, escolhe o arquivo e envia.

    O envio é do ``envio.js`` (sem recarregar a página): espera a resposta do POST, 200 com o
    item redesenhado ou 422 com os erros.
    """
    item = item_da_checklist(page, obrigacao)
    expect(item).to_have_count(1)
    if item.locator("details.envio-documento:not([open])").count():
        item.get_by_text(re.compile(r"^(Anexar arquivo|Trocar o arquivo)$")).click()
    if valido_ate is not None:
        item.get_by_label(rotulo("Válido até")).fill(valido_ate.isoformat())
    item.get_by_label(rotulo(ROTULO_ARQUIVO)).set_input_files(arquivo)
    with page.expect_response(
        lambda r: r.request.method == "POST" and "/solicitacoes/" in r.url
    ) as resposta:
        item.get_by_role("button", name="Enviar arquivo").click()
    return item_da_checklist(page, obrigacao), resposta.value


def confirmar_anexado(page, obrigacao, nome_arquivo):
    """A confirmação aparece no próprio item (região de status), que recebe o foco."""
    item = item_da_checklist(page, obrigacao)
    expect(item.get_by_text("Anexado", exact=True)).to_be_visible()
    expect(item.get_by_role("link", name=nome_arquivo)).to_be_visible()
    expect(item.get_by_role("status")).to_contain_text(f"Documento anexado: {obrigacao}.")
    expect(item).to_be_focused()


def assinar(page, cpf, senha, *, caminho_post):
    campo(page, "CPF").fill(formatar(cpf))
    campo(page, "Senha").fill(senha)
    return enviar(page, "Assinar e encaminhar para análise", caminho_post=caminho_post)


def linha_do_tempo(page):
    return page.get_by_role("region", name="Linha do tempo")


def sair(page, primeiro_nome):
    menu(page).get_by_role("button", name=primeiro_nome, exact=True).click()
    saida = clicar_e_carregar(
        page, menu(page).get_by_role("button", name="Sair"), caminho_post="/sair/"
    )
    assert saida.status == 302
    expect(page.get_by_role("status")).to_contain_text("Você saiu do portal.")


# --- 1. Inscrição de Parceiro pelo próprio RL -------------------------------------------------


def test_rl_inscreve_organizacao_assina_e_encaminha_para_analise(
    pagina, nova_aba, tela, portal, arquivos
):
    page = pagina
    pessoa = UsuarioFactory(
        aceitou_termo=True, nome="Lúcia Alvorada Presidente", email="lucia.e2e@exemplo.com.br"
    )
    hoje = timezone.localdate()
    assert page.viewport_size == {"width": 1280, "height": 900}

    # Entrar → painel → Inscrever organização
    page.goto("/entrar/")
    assert entrar(page, formatar(pessoa.cpf), SENHA).status == 302
    expect(page).to_have_url(f"{portal.url}/painel/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Olá, Lúcia")
    page.locator("main").get_by_role("link", name="Inscrever organização").click()
    expect(page).to_have_url(f"{portal.url}/solicitacoes/nova/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inscrever organização no CAGEC")

    # Passo 1: CNPJ alfanumérico → dados da Receita, travados
    campo(page, "CNPJ").fill(CNPJ_DIGITADO)
    tela("cnpj-digitado")
    resposta = enviar(page, "Buscar na Receita Federal", caminho_post="/solicitacoes/nova/")
    assert resposta.status == 302
    expect(page).to_have_url(re.compile(r"/solicitacoes/\d+/dados/$"))
    pk = int(re.search(r"/solicitacoes/(\d+)/", page.url).group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text(RAZAO_SOCIAL)
    expect(page.locator("main")).to_contain_text(f"CNPJ {CNPJ_DIGITADO}")
    etapas = page.get_by_role("navigation", name="Etapas da solicitação")
    expect(etapas.locator("[aria-current=step]")).to_contain_text("Dados")
    receita = page.get_by_role("region", name=re.compile(r"^Dados da Receita Federal"))
    expect(receita).to_contain_text("travados")
    expect(receita).to_contain_text(RAZAO_SOCIAL)
    expect(receita).to_contain_text("Associação Privada")
    expect(receita).to_contain_text("ATIVA")
    # Travados: a razão social não é um campo que se edite
    expect(page.get_by_role("textbox", name=re.compile("Razão social"))).to_have_count(0)
    expect(receita.get_by_role("textbox")).to_have_count(0)

    # Passo 2: tipo (filtrado pela natureza jurídica) e contatos
    tipo = campo(page, "Tipo de parceiro")
    expect(tipo.get_by_role("option", name=TIPO_OSC)).to_have_count(1)
    expect(tipo.get_by_role("option", name=re.compile(r"^Município"))).to_have_count(0)
    tipo.select_option(label=TIPO_OSC)
    campo(page, "E-mail institucional").fill("contato@amba-alvorada.org.br")
    campo(page, "Telefone").fill("(31) 3333-4455")
    tela("dados-preenchidos")
    assert enviar(page, "Salvar e continuar", caminho_post=f"/solicitacoes/{pk}/").status == 302
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/representante/")

    # Passo 3: eu sou o representante legal, cargo e mandato
    page.locator("main").get_by_label("Eu sou o representante legal").check()
    campo(page, "Cargo").fill("Presidente")
    campo(page, "Início do mandato").fill((hoje - timedelta(days=365)).isoformat())
    campo(page, "Fim do mandato").fill((hoje + timedelta(days=3 * 365)).isoformat())
    tela("representante-preenchido")
    assert enviar(page, "Salvar e continuar", caminho_post=f"/solicitacoes/{pk}/").status == 302
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/documentos/")
    expect(page.get_by_role("heading", level=2, name="Documentos")).to_be_visible()
    tela("documentos-vazio")

    # No celular (390 px), a mesma checklist, na mesma sessão
    celular = nova_aba(viewport=CELULAR, is_mobile=True, has_touch=True)
    celular.context.add_cookies(page.context.cookies())
    celular.goto(f"/solicitacoes/{pk}/documentos/")
    expect(celular.get_by_role("heading", level=2, name="Documentos")).to_be_visible()
    expect(menu(celular).get_by_role("button", name="Abrir o menu")).to_be_visible()
    item_celular = item_da_checklist(celular, "Certidão conjunta RFB/PGFN")
    item_celular.get_by_text("Anexar arquivo").click()
    expect(item_celular.get_by_label(rotulo("Válido até"))).to_be_visible()
    tela("celular-documentos", celular)
    largura = celular.evaluate("document.documentElement.scrollWidth")
    assert largura <= CELULAR["width"], f"rolagem horizontal no celular ({largura} px)"
    assert celular.erros_js == [], celular.erros_js
    celular.context.close()

    # Passo 4: um HTML com nome .pdf é recusado pelo conteúdo, em português
    falso = arquivos("estatuto.pdf", b"<!DOCTYPE html><html><body>nao sou PDF</body></html>")
    item, resposta = anexar(page, "Estatuto social e alterações", falso)
    assert resposta.status == 422  # envio.js: erros em JSON, a página não recarrega
    resumo = item.locator("#resumo-erros")
    expect(resumo).to_contain_text(RECUSA_FORMATO)
    expect(resumo).to_be_focused()  # envio.js leva o foco (e a rolagem) até o erro
    expect(resumo).to_be_in_viewport()
    expect(item).to_contain_text("o tipo é conferido pelo conteúdo, não pelo nome")
    expect(item.get_by_text("Anexado", exact=True)).to_have_count(0)
    tela("html-renomeado-recusado")

    # PDFs de verdade em três itens; a certidão pede "Válido até" (regra data informada)
    validade = hoje + timedelta(days=180)
    enviados = [
        ("Inscrição no CPF do representante legal", "cpf-presidente.pdf", None),
        ("Estatuto social e alterações", "estatuto-registrado.pdf", None),
        ("Certidão conjunta RFB/PGFN", "certidao-rfb-pgfn.pdf", validade),
    ]
    for obrigacao, nome, valido_ate in enviados:
        _, resposta = anexar(page, obrigacao, arquivos(nome), valido_ate=valido_ate)
        assert resposta.status == 200, f"{obrigacao}: {resposta.status}"
        confirmar_anexado(page, obrigacao, nome)
    for obrigacao, _, _ in enviados:  # continuam anexados depois dos outros envios
        item = item_da_checklist(page, obrigacao)
        expect(item.get_by_text("Anexado", exact=True)).to_be_visible()
    expect(item_da_checklist(page, "Certidão conjunta RFB/PGFN")).not_to_contain_text(
        "Informe até quando"
    )
    tela("documentos-anexados")

    # Passo 5: revisão → enviar para assinatura (quem prepara é o RL: vai direto assinar)
    page.locator("main").get_by_role("link", name="Continuar para a revisão").click()
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/revisao/")
    expect(page.get_by_role("alert")).to_have_count(0)  # nenhuma pendência
    revisao = page.locator("main")
    expect(revisao).to_contain_text("Quem assina: Lúcia Alvorada Presidente, Presidente.")
    expect(revisao).to_contain_text("Documentos anexados (3)")
    expect(revisao).to_contain_text(f"certidao-rfb-pgfn.pdf, válido até {validade:%d/%m/%Y}")
    tela("revisao")
    resposta = enviar(page, "Enviar para assinatura", caminho_post=f"/solicitacoes/{pk}/")
    assert resposta.status == 302
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/assinar/")

    # Declaração inteira, com o CNPJ e os documentos
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Declaração de Autenticidade dos Documentos Apresentados"
    )
    declaracao = page.get_by_role("article")
    expect(declaracao).to_contain_text("DECLARAÇÃO DE AUTENTICIDADE DOS DOCUMENTOS APRESENTADOS")
    expect(declaracao).to_contain_text("Eu, Lúcia Alvorada Presidente")
    expect(declaracao).to_contain_text(f"inscrita no CNPJ sob o nº {CNPJ_DIGITADO}")
    expect(declaracao).to_contain_text(RAZAO_SOCIAL)
    for obrigacao, nome, _ in enviados:
        expect(declaracao).to_contain_text(f'{obrigacao} — arquivo "{nome}"')
    expect(declaracao).to_contain_text("cargo Presidente")
    expect(declaracao).to_contain_text("art. 299 do Código Penal")
    tela("declaracao")

    # Senha errada: erro visível e nada assinado
    resposta = assinar(page, pessoa.cpf, "Senha#Errada2026", caminho_post=f"/solicitacoes/{pk}/")
    assert resposta.status == 200
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/assinar/")
    expect(page.locator("#resumo-erros")).to_contain_text(
        "CPF ou senha não conferem com os do representante legal. Nada foi assinado."
    )
    tela("senha-errada")
    assert not Declaracao.objects.filter(solicitacao_id=pk).exists()
    assert Solicitacao.objects.get(pk=pk).status == Solicitacao.Status.AGUARDANDO_ASSINATURA

    # Senha certa: assinada e encaminhada → página da solicitação (assinar é o último ato)
    resposta = assinar(page, pessoa.cpf, SENHA, caminho_post=f"/solicitacoes/{pk}/")
    assert resposta.status == 302
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/")
    expect(page.get_by_role("status")).to_contain_text(
        "Declaração assinada e solicitação encaminhada para análise."
    )
    expect(page.get_by_role("status")).to_contain_text("Código de verificação")
    expect(page.locator("main")).to_contain_text("Situação: Em análise")
    expect(page.locator("main")).to_contain_text("Quem deve agir: A equipe do CAGEC")
    expect(page.locator("main")).to_contain_text("Declarações assinadas")
    expect(botao(page, "Ler e assinar a declaração")).to_have_count(0)
    expect(botao(page, "Encaminhar para análise")).to_have_count(0)
    tela("assinada")
    assert Declaracao.objects.filter(solicitacao_id=pk).count() == 1
    tempo = linha_do_tempo(page)
    expect(tempo.get_by_role("listitem")).to_have_count(4)
    expect(tempo).to_contain_text("Lúcia Alvorada Presidente criou a solicitação.")
    expect(tempo).to_contain_text("mudou de “Rascunho” para “Aguardando assinatura”.")
    expect(tempo).to_contain_text(
        "Lúcia Alvorada Presidente assinou a declaração de autenticidade."
    )
    expect(tempo).to_contain_text("mudou de “Aguardando assinatura” para “Em análise”.")
    tela("em-analise")
    assert Solicitacao.objects.get(pk=pk).status == Solicitacao.Status.EM_ANALISE

    # O e-mail ao RL (que também é quem pediu): um só, com o link da solicitação
    email = ultimo_email("solicitacao_em_analise", para=pessoa.email)
    assert email is not None, "O RL não recebeu o e-mail de solicitação em análise"
    assert "solicitação enviada para análise" in email.assunto
    assert RAZAO_SOCIAL in email.assunto
    link = link_recebido("solicitacao_em_analise", pessoa.email, f"/solicitacoes/{pk}/")
    assert link == f"{portal.url}/solicitacoes/{pk}/"

    # No painel, a solicitação aparece em análise
    page.goto("/painel/")
    solicitacoes = page.get_by_role("region", name="Minhas solicitações")
    expect(solicitacoes).to_contain_text(f"Inscrição de Parceiro/Convenente nº {pk}")
    expect(solicitacoes).to_contain_text("Em análise")
    # O 422 do envio do HTML renomeado é a resposta esperada (JSON com o erro, envio.js).
    inesperados = [e for e in page.erros_js if not re.match(r"422 .*/documentos/$", e)]
    assert inesperados == [], inesperados


# --- 2. Atualização de documentos: o RI prepara, o RL assina -----------------------------------


def test_ri_atualiza_documentos_e_rl_assina_pelos_pendentes(
    pagina, tela, portal, arquivos, parceiro, rl, ri
):
    page = pagina
    nome_pdf = "cpf-prefeita-2026.pdf"
    obrigacao = "Inscrição no CPF do representante legal"

    # O RI entra e abre a pasta digital pelo painel
    page.goto("/entrar/")
    assert entrar(page, formatar(ri.cpf), SENHA).status == 302
    expect(page).to_have_url(f"{portal.url}/painel/")
    organizacoes = page.get_by_role("region", name="Minhas organizações")
    expect(organizacoes).to_contain_text("Responsável pelas Informações")
    organizacoes.get_by_role("link", name=parceiro.razao_social).click()
    expect(page).to_have_url(f"{portal.url}/parceiros/{parceiro.cnpj}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(parceiro.razao_social)
    expect(page.locator("main")).to_contain_text("Rita Representante — Representante Legal")
    tela("ri-pasta-digital")

    # Atualizar documentos → checklist → um PDF
    resposta = enviar(
        page, "Atualizar documentos", caminho_post=f"/parceiros/{parceiro.cnpj}/solicitacoes/"
    )
    assert resposta.status == 302
    expect(page).to_have_url(re.compile(r"/solicitacoes/\d+/documentos/$"))
    pk = int(re.search(r"/solicitacoes/(\d+)/", page.url).group(1))
    expect(page.locator("main")).to_contain_text("Envie só o que precisa atualizar.")
    _, resposta = anexar(page, obrigacao, arquivos(nome_pdf))
    assert resposta.status == 200
    confirmar_anexado(page, obrigacao, nome_pdf)
    tela("ri-documento-anexado")

    # Revisão → enviar: vai para o RL, não para a assinatura do RI
    page.locator("main").get_by_role("link", name="Continuar para a revisão").click()
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/revisao/")
    # A revisão mostra o RL com o cargo e o mandato atuais (issue #13, item 5).
    expect(page.locator("main")).to_contain_text("Quem assina: Rita Representante, Prefeita.")
    expect(page.locator("main")).to_contain_text("Documentos anexados (1)")
    resposta = enviar(page, "Enviar para assinatura", caminho_post=f"/solicitacoes/{pk}/")
    assert resposta.status == 302
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/")
    expect(page.get_by_role("status")).to_contain_text(
        "Solicitação enviada para assinatura. O representante legal recebeu um e-mail;"
    )
    expect(page.locator("main")).to_contain_text("Situação: Aguardando assinatura")
    expect(page.locator("main")).to_contain_text(
        "Quem deve agir: O representante legal, Rita Representante"
    )
    expect(page.locator("main")).to_contain_text("Representante legal (assina): Rita Representante")
    ler_e_assinar = page.locator("main").get_by_role("link", name="Ler e assinar a declaração")
    expect(ler_e_assinar).to_have_count(0)
    expect(botao(page, "Encaminhar para análise")).to_have_count(0)
    tela("ri-enviada-ao-rl")

    # O RL recebe o e-mail "assinatura pendente", com o link dos pendentes
    email = ultimo_email("assinatura_pendente", para=rl.email)
    assert email is not None, "O RL não recebeu o e-mail de assinatura pendente"
    assert "Ivo Responsavel preparou a solicitação" in email.corpo_texto
    assert link_recebido("assinatura_pendente", rl.email, "/assinaturas/") == (
        f"{portal.url}/assinaturas/"
    )
    assert ultimo_email("assinatura_pendente", para=ri.email) is None

    # O RI sai; a RL entra e vê o aviso no painel
    sair(page, "Ivo")
    page.goto("/entrar/")
    assert entrar(page, formatar(rl.cpf), SENHA).status == 302
    expect(page).to_have_url(f"{portal.url}/painel/")
    aviso = page.get_by_role("status").filter(has_text="a sua assinatura")
    expect(aviso).to_contain_text("1 solicitação espera a sua assinatura.")
    tela("rl-painel-com-aviso")
    aviso.get_by_role("link", name="Documentos pendentes de assinatura").click()
    expect(page).to_have_url(f"{portal.url}/assinaturas/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Documentos pendentes de assinatura")
    pendente = page.locator("main").get_by_role("listitem")
    expect(pendente).to_have_count(1)
    expect(pendente).to_contain_text(f"Atualização de documentos nº {pk}")
    expect(pendente).to_contain_text("Preparada por Ivo Responsavel")
    tela("rl-pendentes")
    pendente.get_by_role("link", name="Ler e assinar").click()
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/assinar/")
    declaracao = page.get_by_role("article")
    expect(declaracao).to_contain_text("Eu, Rita Representante")
    expect(declaracao).to_contain_text(f"inscrita no CNPJ sob o nº {parceiro.cnpj_formatado}")
    expect(declaracao).to_contain_text(f'{obrigacao} — arquivo "{nome_pdf}"')
    tela("rl-declaracao")

    # Assina: a assinatura encaminha para análise
    resposta = assinar(page, rl.cpf, SENHA, caminho_post=f"/solicitacoes/{pk}/")
    assert resposta.status == 302
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/")
    expect(page.get_by_role("status")).to_contain_text(
        "Declaração assinada e solicitação encaminhada para análise."
    )
    expect(page.locator("main")).to_contain_text("Situação: Em análise")
    tempo = linha_do_tempo(page)
    expect(tempo).to_contain_text("Ivo Responsavel criou a solicitação.")
    expect(tempo).to_contain_text(
        "Ivo Responsavel mudou de “Rascunho” para “Aguardando assinatura”."
    )
    expect(tempo).to_contain_text("Rita Representante assinou a declaração de autenticidade.")
    expect(tempo).to_contain_text(
        "Rita Representante mudou de “Aguardando assinatura” para “Em análise”."
    )
    tela("rl-em-analise")
    assert Solicitacao.objects.get(pk=pk).status == Solicitacao.Status.EM_ANALISE
    for pessoa in (ri, rl):  # quem preparou e quem assinou são avisados
        assert ultimo_email("solicitacao_em_analise", para=pessoa.email) is not None

    # Nada mais esperando a assinatura da RL
    page.goto("/assinaturas/")
    expect(page.locator("main")).to_contain_text("Nada esperando a sua assinatura.")
    assert page.erros_js == [], page.erros_js
