"""De ponta a ponta, nas duas larguras (1366 e 390 px): o ciclo da solicitação diz a verdade.

O RI prepara e envia para assinatura (a Revisão diz o que acontece e o prazo); a RL assina
(a página diz que assinar encaminha, e a confirmação traz a previsão); a página e o painel
dizem “Em análise” e que a equipe do CAGEC age; a análise devolve com um documento reprovado;
o RI vê “Reprovado” e “O que corrigir”, troca o arquivo pelo link, reenvia, e os motivos
passam para a linha do tempo.

Atalhos: a solicitação com os anexos e a decisão da análise vêm dos serviços (a tela da
análise é de outro teste); as capturas ficam em ``artefatos/ciclo/``.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from cagec.lib.prazos import somar_dias_uteis
from parceiros import analise, selectors, services
from parceiros.models import Documento, Solicitacao
from tests.e2e.test_inscricao_navegador import entrar, enviar, formatar
from tests.e2e.test_parceiro_navegador import anexar, assinar, item_da_checklist
from tests.factories import SENHA, pdf_pequeno

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

S = Solicitacao.Status
CNDT = "Certidão Negativa de Débitos Trabalhistas - CNDT"
CNPJ_DOC = "Inscrição no CNPJ"
MOTIVO_DOCUMENTO = "O cartão CNPJ está ilegível."
MOTIVO_DECISAO = "Envie o cartão CNPJ legível e assine de novo."
ARTEFATOS = Path(__file__).resolve().parents[2] / "artefatos" / "ciclo"
LARGURAS = {"1366": {"width": 1366, "height": 768}, "390": {"width": 390, "height": 844}}


def _preparada(ri, parceiro):
    solicitacao = services.iniciar_atualizacao(parceiro, Solicitacao.Tipo.DOCUMENTOS, ator=ri)
    for nome in (CNDT, CNPJ_DOC):
        obrigacao = selectors.obrigacoes_da_solicitacao(solicitacao).get(nome=nome)
        datas = {}
        if obrigacao.regra_validade == obrigacao.Regra.DATA_INFORMADA:
            datas["data_validade"] = timezone.localdate() + timedelta(days=180)
        services.anexar_documento(
            solicitacao,
            ator=ri,
            obrigacao=obrigacao,
            arquivo=SimpleUploadedFile(f"{obrigacao.pk}.pdf", pdf_pequeno(nome)),
            **datas,
        )
    return solicitacao


def _devolver(pk, analista):
    solicitacao = Solicitacao.objects.get(pk=pk)
    cndt, cnpj = solicitacao.documentos_atuais.order_by("pk")
    analise.decidir(
        solicitacao,
        ator=analista,
        decisao=S.DEVOLVIDA,
        motivo=MOTIVO_DECISAO,
        pareceres={
            cndt.pk: (Documento.Parecer.APROVAR, ""),
            cnpj.pk: (Documento.Parecer.REPROVAR, MOTIVO_DOCUMENTO),
        },
    )


def _capturador(largura):
    ARTEFATOS.mkdir(parents=True, exist_ok=True)
    contador = iter(range(1, 100))

    def capturar(passo, page):
        page.screenshot(path=str(ARTEFATOS / f"{largura}-{next(contador):02d}-{passo}.png"))

    return capturar


def _entrar(nova_aba, viewport, pessoa):
    page = nova_aba(viewport=viewport)
    page.goto("/entrar/")
    assert entrar(page, formatar(pessoa.cpf), SENHA).status == 302
    return page


@pytest.mark.parametrize("largura", list(LARGURAS))
def test_ciclo_assinar_encaminha_devolvida_mostra_o_que_corrigir_e_reenviar(
    largura, nova_aba, portal, tmp_path, parceiro, rl, ri, analista
):
    viewport = LARGURAS[largura]
    tela = _capturador(largura)
    pk = _preparada(ri, parceiro).pk
    base = f"/solicitacoes/{pk}/"

    # --- 1. O RI revisa: a página diz o que acontece ao enviar e o prazo
    pag_ri = _entrar(nova_aba, viewport, ri)
    pag_ri.goto(f"{base}revisao/")
    consequencia = pag_ri.locator("#o-que-acontece")
    expect(consequencia).to_contain_text("O representante legal, Rita Representante")
    expect(consequencia).to_contain_text("encaminha a solicitação para análise")
    expect(consequencia).to_contain_text("15 dias úteis")
    tela("ri-revisao", pag_ri)
    assert enviar(pag_ri, "Enviar para assinatura", caminho_post=base).status == 302
    principal = pag_ri.locator("main")
    expect(principal).to_contain_text("Situação: Aguardando assinatura")
    expect(principal).to_contain_text("Quem deve agir: O representante legal, Rita Representante")
    tela("ri-aguardando", pag_ri)

    # --- 2. A RL assina a partir do painel; a assinatura encaminha
    pag_rl = _entrar(nova_aba, viewport, rl)
    expect(pag_rl).to_have_url(f"{portal.url}/painel/")
    solicitacoes = pag_rl.get_by_role("region", name="Minhas solicitações")
    expect(solicitacoes).to_contain_text("Quem deve agir: Você")
    solicitacoes.get_by_role("link", name=re.compile(r"^Ler e assinar a declaração")).click()
    expect(pag_rl).to_have_url(f"{portal.url}{base}assinar/")
    expect(pag_rl.locator("#o-que-acontece")).to_contain_text("encaminhada para análise")
    expect(pag_rl.locator("#o-que-acontece")).to_contain_text("15 dias úteis")
    tela("rl-assinar", pag_rl)
    assert assinar(pag_rl, rl.cpf, SENHA, caminho_post=base).status == 302
    enviada = Solicitacao.objects.get(pk=pk)
    previsao = somar_dias_uteis(timezone.localdate(enviada.enviada_em), 15)
    confirmacao = pag_rl.get_by_role("status").filter(has=pag_rl.locator(".alert"))
    expect(confirmacao).to_contain_text(
        "Declaração assinada e solicitação encaminhada para análise."
    )
    expect(confirmacao).to_contain_text(f"previsão: {previsao:%d/%m/%Y}")
    principal = pag_rl.locator("main")
    expect(principal).to_contain_text("Situação: Em análise")
    expect(principal).to_contain_text("Quem deve agir: A equipe do CAGEC")
    expect(principal.get_by_role("button", name="Encaminhar para análise")).to_have_count(0)
    tela("rl-assinada", pag_rl)
    pag_rl.goto("/painel/")
    solicitacoes = pag_rl.get_by_role("region", name="Minhas solicitações")
    expect(solicitacoes).to_contain_text("Em análise")
    expect(solicitacoes).to_contain_text(f"previsão de resposta até {previsao:%d/%m/%Y}")
    expect(solicitacoes).not_to_contain_text("Aguardando assinatura")
    tela("rl-painel-em-analise", pag_rl)

    # --- 3. A análise devolve com o cartão CNPJ reprovado
    _devolver(pk, analista)

    # --- 4. O RI vê Reprovado e O que corrigir; troca o arquivo pelo link
    pag_ri.goto(base)
    principal = pag_ri.locator("main")
    expect(principal).to_contain_text("Situação: Devolvida para correção")
    expect(principal.get_by_role("row").filter(has_text=CNPJ_DOC).first).to_contain_text(
        f"Reprovado: {MOTIVO_DOCUMENTO}"
    )
    expect(pag_ri.get_by_role("region", name="O que corrigir")).to_contain_text(MOTIVO_DECISAO)
    tela("ri-devolvida", pag_ri)
    principal.get_by_role("link", name="Continuar preenchimento").click()
    expect(pag_ri).to_have_url(f"{portal.url}{base}o-que-corrigir/")
    corrigir = pag_ri.get_by_role("region", name="O que corrigir")
    expect(corrigir).to_contain_text(MOTIVO_DOCUMENTO)
    tela("ri-o-que-corrigir", pag_ri)
    corrigir.get_by_role("link", name=f"Trocar o documento “{CNPJ_DOC}”").click()
    expect(pag_ri).to_have_url(re.compile(rf"{base}documentos/#obrigacao-\d+$"))
    item = item_da_checklist(pag_ri, CNPJ_DOC)
    expect(item.get_by_text("Reprovado", exact=True)).to_be_visible()
    tela("ri-documento-reprovado", pag_ri)
    legivel = tmp_path / "cartao-cnpj-legivel.pdf"
    legivel.write_bytes(pdf_pequeno("CNPJ legível"))
    item, resposta = anexar(pag_ri, CNPJ_DOC, legivel)
    assert resposta.status == 302
    expect(item.get_by_text("Anexado", exact=True)).to_be_visible()

    # --- 5. Reenvia: os motivos saem do topo e ficam na linha do tempo
    pag_ri.goto(f"{base}o-que-corrigir/")
    expect(pag_ri.get_by_role("region", name="O que corrigir")).to_contain_text(
        "Todos os documentos reprovados foram trocados."
    )
    pag_ri.goto(f"{base}revisao/")
    assert enviar(pag_ri, "Enviar para assinatura", caminho_post=base).status == 302
    expect(pag_ri.locator("main")).to_contain_text("Situação: Aguardando assinatura")
    expect(pag_ri.get_by_role("region", name="O que corrigir")).to_have_count(0)
    tempo = pag_ri.get_by_role("region", name="Linha do tempo")
    expect(tempo).to_contain_text(MOTIVO_DECISAO)
    expect(tempo).to_contain_text(f"A análise reprovou o documento “{CNPJ_DOC}”.")
    expect(tempo).to_contain_text(MOTIVO_DOCUMENTO)
    tela("ri-reenviada", pag_ri)
    for page in (pag_ri, pag_rl):
        assert page.erros_js == [], page.erros_js
