"""De ponta a ponta, como uma pessoa faria: análise de uma atualização de documentos pela
equipe do CAGEC (produto §3.6) e a situação Regular/Irregular com o recálculo noturno (§4).

A RL envia o único documento obrigatório que falta, a analista devolve para correção, a RL
troca o arquivo, assina de novo e a analista aprova: a organização fica Regular. Semanas
depois, a rotina diária avisa que as certidões vão vencer e, vencidas, torna a organização
Irregular.

Só se interage pela tela (menus, rótulos, papéis e textos visíveis). Os atalhos são preparar
as pessoas e a pasta digital com os serviços (tudo aprovado menos um item), ler a caixa de
saída e rodar a rotina diária com o relógio adiantado (``time_machine``).
"""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.text import slugify
from playwright.sync_api import expect

from cagec.core.models import EmailSaida
from declaracoes import services as declaracoes
from parceiros import analise, services, tasks
from parceiros.models import Documento, Obrigacao, Parceiro, Solicitacao
from tests.conftest import link_do_email
from tests.e2e.test_inscricao_navegador import campo, entrar, enviar, formatar, menu
from tests.e2e.test_parceiro_navegador import anexar, assinar, item_da_checklist
from tests.factories import SENHA, pdf_pequeno

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

S = Solicitacao.Status
R = Obrigacao.Regra
SITUACAO = Parceiro.Situacao
FUSO = ZoneInfo("America/Sao_Paulo")

FALTANTE = "Certidão conjunta RFB/PGFN"  # a obrigatória que a RL envia pelo navegador
CERTIDAO_VENCENDO = "Certidão de Débitos Tributários - CDT/MG"  # uma das que vencem
MOTIVO_DOCUMENTO = "A certidão enviada está ilegível: a página do código de controle não aparece."
MOTIVO_DECISAO = "Envie de novo a certidão conjunta, completa e legível, e assine outra vez."
ERRO_APROVADA = "Há documento reprovado: escolha Aprovada parcialmente, Devolvida ou Reprovada."
DIAS_ATE_VENCER = 20  # as certidões aprovadas na preparação vencem daqui a 20 dias


@pytest.fixture
def arquivos(tmp_path):
    """``arquivos(nome)``: um PDF pequeno de verdade no disco, para o seletor de arquivo."""

    def criar(nome):
        destino = tmp_path / nome
        destino.write_bytes(pdf_pequeno(nome))
        return destino

    return criar


# --- Preparação pelos serviços ----------------------------------------------------------------


def _em_analise(parceiro, rl, anexos):
    """Atualização de documentos preparada, assinada e encaminhada pela RL, pelos serviços.

    ``anexos``: [(obrigação, {datas do documento})].
    """
    solicitacao = services.iniciar_atualizacao(parceiro, Solicitacao.Tipo.DOCUMENTOS, ator=rl)
    for obrigacao, datas in anexos:
        nome = f"{slugify(obrigacao.nome)[:60]}.pdf"
        services.anexar_documento(
            solicitacao,
            ator=rl,
            obrigacao=obrigacao,
            arquivo=SimpleUploadedFile(nome, pdf_pequeno(obrigacao.nome), "application/pdf"),
            **datas,
        )
    services.enviar_para_assinatura(solicitacao, ator=rl)
    declaracoes.assinar(solicitacao, ator=rl)  # a assinatura encaminha para análise
    return Solicitacao.objects.get(pk=solicitacao.pk)


def _aprovar_tudo_menos(parceiro, rl, analista, faltante, *, vence_em, emitido_em):
    """Uma atualização de documentos aprovada com toda obrigatória, menos ``faltante``.

    Data informada vence em ``vence_em``; dias após a emissão, emitido em ``emitido_em``.
    """
    obrigatorias = parceiro.tipo.obrigacoes.filter(obrigatoria=True, ativa=True)
    anexos = []
    for obrigacao in obrigatorias.exclude(nome=faltante).order_by("pk"):
        datas = {}
        if obrigacao.regra_validade == R.DATA_INFORMADA:
            datas["data_validade"] = vence_em
        elif obrigacao.regra_validade == R.DIAS_APOS_EMISSAO:
            datas["data_emissao"] = emitido_em
        anexos.append((obrigacao, datas))
    solicitacao = _em_analise(parceiro, rl, anexos)
    analise.decidir(solicitacao, ator=analista, decisao=S.APROVADA)
    return [obrigacao for obrigacao, _ in anexos]


# --- Ajudantes --------------------------------------------------------------------------------


def _marca():
    ultimo = EmailSaida.objects.order_by("-pk").values_list("pk", flat=True).first()
    return ultimo or 0


def _novos(marca, evento=None):
    qs = EmailSaida.objects.filter(pk__gt=marca).order_by("pk")
    return list(qs.filter(evento=evento) if evento else qs)


def confirmar_anexado(page, obrigacao, nome_arquivo):
    """A confirmação aparece no próprio item (envio sem recarregar, ``envio.js``)."""
    item = item_da_checklist(page, obrigacao)
    expect(item.get_by_text("Anexado", exact=True)).to_be_visible()
    expect(item.get_by_role("link", name=nome_arquivo)).to_be_visible()
    expect(item.get_by_role("status")).to_contain_text(f"Documento anexado: {obrigacao}.")


def mensagens(page):
    """As mensagens do portal (região ``status`` do topo; a checklist tem outra)."""
    return page.get_by_role("status").filter(has=page.locator(".alert"))


def para_a_revisao(page):
    """O botão "Continuar para a revisão" (há um acima e outro abaixo da checklist)."""
    page.locator("main").get_by_role("link", name="Continuar para a revisão").first.click()


def linha_do_tempo(page):
    return page.get_by_role("region", name="Linha do tempo")


def situacao_da_pasta(page):
    """O parágrafo do cabeçalho da pasta digital com o CNPJ e a situação."""
    return page.locator("main p").filter(has_text="Situação:")


def linha_da_obrigacao(page, obrigacao):
    return page.locator("main").get_by_role("row").filter(has_text=obrigacao)


def documento_em_analise(page, obrigacao):
    """O ``<fieldset>`` do documento na tela da análise (a legenda é o nome da Obrigação)."""
    return page.locator("main").get_by_role("group", name=obrigacao, exact=True)


def decisao(page, rotulo):
    return page.locator("main").get_by_role("radio", name=rotulo, exact=True)


def registrar_decisao(page, pk):
    return enviar(page, "Registrar decisão", caminho_post=f"/analise/{pk}/")


def abrir_da_fila(page, pk, portal):
    """Menu Análise → fila → a linha da solicitação pelo número (o link é o nome da organização)."""
    menu(page).get_by_role("link", name="Análise", exact=True).click()
    expect(page).to_have_url(f"{portal.url}/analise/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Solicitações em análise")
    linha = (
        page.locator("main")
        .get_by_role("row")
        .filter(has=page.get_by_role("cell", name=str(pk), exact=True))
    )
    expect(linha).to_have_count(1)
    return linha


# --- O teste ----------------------------------------------------------------------------------


def test_analise_devolve_aprova_e_rotina_diaria_torna_irregular(
    pagina, nova_aba, tela, portal, arquivos, parceiro, rl, ri, analista
):
    page = pagina
    hoje = timezone.localdate()
    vence = hoje + timedelta(days=DIAS_ATE_VENCER)
    validade_nova = hoje + timedelta(days=180)
    analista.groups.add(Group.objects.get(name="Analista"))

    # --- 1. Preparação: tudo aprovado na pasta digital, menos a certidão conjunta
    aprovadas = _aprovar_tudo_menos(
        parceiro, rl, analista, FALTANTE, vence_em=vence, emitido_em=hoje - timedelta(days=10)
    )
    vencendo = [o for o in aprovadas if o.regra_validade == R.DATA_INFORMADA]
    assert len(vencendo) > 1 and CERTIDAO_VENCENDO in {o.nome for o in vencendo}
    parceiro.refresh_from_db()
    assert parceiro.situacao == SITUACAO.IRREGULAR
    cnpj = parceiro.cnpj

    # --- 2. A RL entra, abre a pasta digital e envia o item que falta
    page.goto("/entrar/")
    assert entrar(page, formatar(rl.cpf), SENHA).status == 302
    expect(page).to_have_url(f"{portal.url}/painel/")
    page.get_by_role("region", name="Minhas organizações").get_by_role(
        "link", name=parceiro.razao_social
    ).click()
    expect(page).to_have_url(f"{portal.url}/parceiros/{cnpj}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(parceiro.razao_social)
    expect(situacao_da_pasta(page)).to_contain_text("Situação: Irregular")
    expect(linha_da_obrigacao(page, FALTANTE)).to_contain_text("Pendente")
    expect(linha_da_obrigacao(page, CERTIDAO_VENCENDO)).to_contain_text(f"{vence:%d/%m/%Y}")
    tela("rl-pasta-irregular")

    resposta = enviar(page, "Atualizar documentos", caminho_post=f"/parceiros/{cnpj}/solicitacoes/")
    assert resposta.status == 302
    expect(page).to_have_url(re.compile(r"/solicitacoes/\d+/documentos/$"))
    pk = int(re.search(r"/solicitacoes/(\d+)/", page.url).group(1))
    expect(item_da_checklist(page, CERTIDAO_VENCENDO)).to_contain_text(
        f"Na pasta digital: {slugify(CERTIDAO_VENCENDO)}.pdf, válido até {vence:%d/%m/%Y}."
    )
    ilegivel = "certidao-conjunta-digitalizada.pdf"
    _, resposta = anexar(page, FALTANTE, arquivos(ilegivel), valido_ate=validade_nova)
    assert resposta.status == 200
    confirmar_anexado(page, FALTANTE, ilegivel)
    tela("rl-certidao-anexada")

    para_a_revisao(page)
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/revisao/")
    expect(page.locator("main")).to_contain_text("Documentos anexados (1)")
    resposta = enviar(page, "Enviar para assinatura", caminho_post=f"/solicitacoes/{pk}/")
    assert resposta.status == 302
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/assinar/")
    expect(page.get_by_role("article")).to_contain_text(f'{FALTANTE} — arquivo "{ilegivel}"')
    assert assinar(page, rl.cpf, SENHA, caminho_post=f"/solicitacoes/{pk}/").status == 302
    # a assinatura encaminha: nada de um segundo botão “Encaminhar para análise”
    expect(mensagens(page)).to_contain_text(
        "Declaração assinada e solicitação encaminhada para análise."
    )
    expect(page.locator("main")).to_contain_text("Situação: Em análise")
    tela("rl-em-analise")

    # --- 3. A analista (outra sessão) abre a fila pelo menu Análise
    painel_analista = nova_aba()
    painel_analista.goto("/entrar/")
    assert entrar(painel_analista, formatar(analista.cpf), SENHA).status == 302
    linha = abrir_da_fila(painel_analista, pk, portal)
    expect(linha).to_contain_text("Atualização de documentos")
    expect(linha).to_contain_text(parceiro.razao_social)
    expect(linha).to_contain_text("Rita Representante")
    expect(linha).to_contain_text("Município")
    tela("analista-fila", painel_analista)
    linha.get_by_role("link", name=parceiro.razao_social).click()
    expect(painel_analista).to_have_url(f"{portal.url}/analise/{pk}/")
    analise_pg = painel_analista.locator("main")
    expect(painel_analista.get_by_role("heading", level=1)).to_have_text(parceiro.razao_social)
    expect(analise_pg).to_contain_text("Situação: Em análise")
    expect(analise_pg).to_contain_text("Declaração assinada")
    expect(analise_pg).to_contain_text("Rita Representante em")
    documento = documento_em_analise(painel_analista, FALTANTE)
    expect(documento).to_have_count(1)
    expect(documento.get_by_role("link", name=f"Abrir {ilegivel}")).to_be_visible()
    expect(documento).to_contain_text(f"vence em {validade_nova:%d/%m/%Y}")

    # Reprova o documento e tenta "Aprovada": recusado, em português, nada decidido
    documento.get_by_role("radio", name="Reprovar", exact=True).check()
    documento.get_by_label(re.compile(r"^\s*Motivo da reprovação")).fill(MOTIVO_DOCUMENTO)
    decisao(painel_analista, "Aprovada").check()
    resposta = registrar_decisao(painel_analista, pk)
    assert resposta.status == 200
    resumo = painel_analista.locator("#resumo-erros")
    expect(resumo).to_be_visible()
    expect(resumo).to_contain_text(ERRO_APROVADA)
    documento = documento_em_analise(painel_analista, FALTANTE)
    expect(documento.get_by_role("radio", name="Reprovar", exact=True)).to_be_checked()
    expect(documento.get_by_label(re.compile(r"^\s*Motivo da reprovação"))).to_have_value(
        MOTIVO_DOCUMENTO
    )
    tela("analista-aprovada-recusada", painel_analista)
    assert Solicitacao.objects.get(pk=pk).status == S.EM_ANALISE

    # Devolvida para correção, com o motivo
    marca = _marca()
    decisao(painel_analista, "Devolvida para correção").check()
    campo(painel_analista, "Motivo").fill(MOTIVO_DECISAO)
    tela("analista-devolvendo", painel_analista)
    resposta = registrar_decisao(painel_analista, pk)
    assert resposta.status == 302
    expect(painel_analista).to_have_url(f"{portal.url}/analise/")
    expect(mensagens(painel_analista)).to_contain_text(f"Decisão registrada: solicitação nº {pk}.")
    expect(painel_analista.locator("main")).to_contain_text(
        "Nenhuma solicitação esperando análise."
    )
    assert Solicitacao.objects.get(pk=pk).status == S.DEVOLVIDA

    # O e-mail da decisão à RL (que também pediu): um só, com os dois motivos
    decididos = _novos(marca, "solicitacao_decidida")
    assert [e.destinatario for e in decididos] == [rl.email]
    email = decididos[0]
    assert email.assunto == (
        f"Portal CAGEC: solicitação devolvida para correção — {parceiro.razao_social}"
    )
    assert "Decisão: DEVOLVIDA PARA CORREÇÃO" in email.corpo_texto
    assert f"Motivo: {MOTIVO_DECISAO}" in email.corpo_texto
    assert f"- {FALTANTE}: {MOTIVO_DOCUMENTO}" in email.corpo_texto
    assert "Corrija o que foi apontado" in email.corpo_texto
    link = link_do_email(email, f"/solicitacoes/{pk}/")
    assert link == f"{portal.url}/solicitacoes/{pk}/"

    # A RL abre o link do e-mail: devolvida, com o motivo; troca o arquivo
    page.goto(link)
    principal = page.locator("main")
    expect(principal).to_contain_text("Situação: Devolvida para correção")
    expect(principal).to_contain_text(f"Motivo informado pela análise: {MOTIVO_DECISAO}")
    expect(linha_do_tempo(page)).to_contain_text(
        "Ana Analista mudou de “Em análise” para “Devolvida para correção”."
    )
    tela("rl-devolvida")
    principal.get_by_role("link", name="Continuar preenchimento").click()
    # abre em “O que corrigir”: cada item com o seu link
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/o-que-corrigir/")
    corrigir = page.get_by_role("region", name="O que corrigir")
    expect(corrigir).to_contain_text(MOTIVO_DOCUMENTO)
    corrigir.get_by_role("link", name=f"Trocar o documento “{FALTANTE}”").click()
    expect(page).to_have_url(re.compile(rf"/solicitacoes/{pk}/documentos/#obrigacao-\d+$"))
    expect(item_da_checklist(page, FALTANTE).get_by_text("Reprovado", exact=True)).to_be_visible()
    expect(item_da_checklist(page, FALTANTE).get_by_role("link", name=ilegivel)).to_be_visible()
    legivel = "certidao-conjunta-legivel.pdf"
    _, resposta = anexar(page, FALTANTE, arquivos(legivel), valido_ate=validade_nova)
    assert resposta.status == 200
    confirmar_anexado(page, FALTANTE, legivel)
    expect(item_da_checklist(page, FALTANTE).get_by_role("link", name=ilegivel)).to_have_count(0)
    tela("rl-arquivo-trocado")

    para_a_revisao(page)
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/revisao/")
    resposta = enviar(page, "Enviar para assinatura", caminho_post=f"/solicitacoes/{pk}/")
    assert resposta.status == 302
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{pk}/assinar/")
    declaracao = page.get_by_role("article")
    expect(declaracao).to_contain_text(f'{FALTANTE} — arquivo "{legivel}"')
    expect(declaracao).not_to_contain_text(ilegivel)
    assert assinar(page, rl.cpf, SENHA, caminho_post=f"/solicitacoes/{pk}/").status == 302
    # a assinatura encaminha: nada de um segundo botão “Encaminhar para análise”
    expect(mensagens(page)).to_contain_text(
        "Declaração assinada e solicitação encaminhada para análise."
    )
    expect(page.locator("main")).to_contain_text("Situação: Em análise")
    assinaturas = linha_do_tempo(page).get_by_role("listitem").filter(has_text="assinou")
    expect(assinaturas).to_have_count(2)

    # A analista vê a solicitação de novo na fila e aprova
    linha = abrir_da_fila(painel_analista, pk, portal)
    linha.get_by_role("link", name=parceiro.razao_social).click()
    expect(painel_analista).to_have_url(f"{portal.url}/analise/{pk}/")
    documento = documento_em_analise(painel_analista, FALTANTE)
    expect(documento.get_by_role("link", name=f"Abrir {legivel}")).to_be_visible()
    documento.get_by_role("radio", name="Aprovar", exact=True).check()
    decisao(painel_analista, "Aprovada").check()
    tela("analista-aprovando", painel_analista)
    marca = _marca()
    assert registrar_decisao(painel_analista, pk).status == 302
    expect(mensagens(painel_analista)).to_contain_text(f"Decisão registrada: solicitação nº {pk}.")
    assert Solicitacao.objects.get(pk=pk).status == S.APROVADA
    aprovados = _novos(marca, "solicitacao_decidida")
    assert [e.destinatario for e in aprovados] == [rl.email]
    assert "Decisão: APROVADA" in aprovados[0].corpo_texto
    assert "As mudanças aprovadas já valem no cadastro." in aprovados[0].corpo_texto
    assert _novos(marca, "situacao_irregular") == []

    # A pasta digital da RL: Regular, com a certidão nova
    page.goto(f"/parceiros/{cnpj}/")
    expect(situacao_da_pasta(page)).to_contain_text("Situação: Regular")
    certidao = linha_da_obrigacao(page, FALTANTE)
    expect(certidao.get_by_role("link", name=legivel)).to_be_visible()
    expect(certidao).to_contain_text(f"{validade_nova:%d/%m/%Y}")
    expect(certidao).not_to_contain_text("Pendente")
    tela("rl-pasta-regular")
    parceiro.refresh_from_db()
    assert parceiro.situacao == SITUACAO.REGULAR

    # --- 4. A rotina diária, com o relógio adiantado
    def madrugada(dia):
        return datetime.combine(dia, time(3, 0), tzinfo=FUSO)

    # 7 dias antes do vencimento: aviso à RL e ao RI, uma vez só; continua Regular
    marca = _marca()
    with time_machine.travel(madrugada(vence - timedelta(days=7)), tick=False):
        primeira = tasks.rotina_diaria()
        segunda = tasks.rotina_diaria()
    assert primeira["mudaram"] == 0
    assert primeira["avisos"] == len(vencendo)  # um por documento de data informada
    assert segunda == {"mudaram": 0, "avisos": 0}
    avisos = _novos(marca, "documento_a_vencer")
    assert sorted(e.destinatario for e in avisos) == sorted([rl.email, ri.email])
    for aviso in avisos:
        assert parceiro.razao_social in aviso.assunto
        for obrigacao in vencendo:
            assert f"{obrigacao.nome}: vence em {vence:%d/%m/%Y} (daqui a 7 dias)" in (
                aviso.corpo_texto
            )
        assert FALTANTE not in aviso.corpo_texto  # a nova vale por 180 dias
        assert link_do_email(aviso, "/parceiros/") == f"{portal.url}/parceiros/{cnpj}/"
    assert _novos(marca, "situacao_irregular") == []
    parceiro.refresh_from_db()
    assert parceiro.situacao == SITUACAO.REGULAR

    # No dia seguinte ao vencimento: Irregular e um aviso à RL e ao RI, uma vez só
    marca = _marca()
    with time_machine.travel(madrugada(vence + timedelta(days=1)), tick=True):
        primeira = tasks.rotina_diaria()
        segunda = tasks.rotina_diaria()
        assert primeira == {"mudaram": 1, "avisos": 0}
        assert segunda == {"mudaram": 0, "avisos": 0}
        irregular = _novos(marca, "situacao_irregular")
        assert sorted(e.destinatario for e in irregular) == sorted([rl.email, ri.email])
        for email in irregular:
            assert email.assunto == f"Portal CAGEC: {parceiro.razao_social} está Irregular"
            assert "passou a IRREGULAR" in email.corpo_texto
            assert link_do_email(email, "/parceiros/") == f"{portal.url}/parceiros/{cnpj}/"
        assert _novos(marca, "documento_a_vencer") == []
        parceiro.refresh_from_db()
        assert parceiro.situacao == SITUACAO.IRREGULAR
        mudanca = parceiro.historico.first()
        assert (mudanca.de, mudanca.para) == (SITUACAO.REGULAR, SITUACAO.IRREGULAR)
        assert mudanca.motivo == "Recálculo diário"
        assert parceiro.historico.filter(motivo="Recálculo diário").count() == 1  # só uma vez

        # Três semanas depois, a sessão da RL expirou: entra de novo e vê Irregular
        page.reload()
        expect(page).to_have_url(re.compile(rf"/entrar/\?next=/parceiros/{cnpj}/$"))
        assert entrar(page, formatar(rl.cpf), SENHA).status == 302
        expect(page).to_have_url(f"{portal.url}/parceiros/{cnpj}/")
        expect(situacao_da_pasta(page)).to_contain_text("Situação: Irregular")
        expect(linha_da_obrigacao(page, CERTIDAO_VENCENDO)).to_contain_text(f"{vence:%d/%m/%Y}")
        tela("rl-pasta-irregular-apos-vencer")
    assert len(_novos(marca)) == 2  # nada além dos dois avisos de Irregular
    assert page.erros_js == [], page.erros_js
    assert painel_analista.erros_js == [], painel_analista.erros_js


# --- Defeito conhecido ------------------------------------------------------------------------


def test_devolvida_mostra_a_rl_qual_documento_foi_reprovado_e_por_que(
    pagina, portal, parceiro, rl, analista
):
    page = pagina
    obrigacao = parceiro.tipo.obrigacoes.get(nome=FALTANTE)
    validade = {"data_validade": timezone.localdate() + timedelta(days=180)}
    solicitacao = _em_analise(parceiro, rl, [(obrigacao, validade)])
    documento = solicitacao.documentos.get()
    analise.decidir(
        solicitacao,
        ator=analista,
        decisao=S.DEVOLVIDA,
        motivo=MOTIVO_DECISAO,
        pareceres={documento.pk: (Documento.Parecer.REPROVAR, MOTIVO_DOCUMENTO)},
    )

    page.goto(f"/entrar/?next=/solicitacoes/{solicitacao.pk}/")
    assert entrar(page, formatar(rl.cpf), SENHA).status == 302
    expect(page).to_have_url(f"{portal.url}/solicitacoes/{solicitacao.pk}/")
    expect(page.locator("main")).to_contain_text("Situação: Devolvida para correção")
    expect(page.locator("main")).to_contain_text(f"Motivo informado pela análise: {MOTIVO_DECISAO}")
    expect(linha_da_obrigacao(page, FALTANTE)).to_contain_text(MOTIVO_DOCUMENTO, timeout=2_000)
