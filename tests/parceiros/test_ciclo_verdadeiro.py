"""O ciclo de vida da solicitação diz a verdade (issue #13, itens 1 a 3).

- Assinar é o último ato: a assinatura do RL encaminha a solicitação para análise; nenhuma
  página mostra “Aguardando assinatura” depois da assinatura.
- Uma fonte para “onde está e quem deve agir” (``selectors.etapa_da_solicitacao``): o painel,
  a página da solicitação e o e-mail de cada transição dizem o mesmo status, a mesma próxima
  ação e quem deve tomá-la — para quem preparou e para o RL.
- Devolvida: documento reprovado aparece como “Reprovado”, “O que corrigir” lista cada item
  com o seu link e, reenviada, os motivos saem do topo e ficam na linha do tempo.
"""

import re
from datetime import date, timedelta
from html import unescape
from importlib import import_module

import pytest
from django.apps import apps as apps_do_projeto
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cagec.core.models import EmailSaida
from cagec.lib.prazos import somar_dias_uteis
from declaracoes import services as declaracoes
from declaracoes.models import Declaracao
from declaracoes.selectors import declaracao_vigente, pendentes_de_assinatura
from parceiros import analise, selectors, services
from parceiros.models import Documento, Solicitacao, TransicaoSolicitacao
from tests.factories import SENHA, pdf_pequeno

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]

S = Solicitacao.Status
T = Solicitacao.Tipo
P = Documento.Parecer
CNDT = "Certidão Negativa de Débitos Trabalhistas - CNDT"
CNPJ_DOC = "Inscrição no CNPJ"
ROTULOS = [s.label for s in S]


@pytest.fixture(autouse=True)
def _pdf_rapido(monkeypatch):
    from cagec.lib import pdf

    monkeypatch.setattr(pdf, "renderizar_pdf", lambda *a, **k: b"%PDF-1.7\n% teste\n")


# --- Construção dos estados pelos serviços ---------------------------------------------------
def texto(html):
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def pagina(client, pessoa, url):
    client.force_login(pessoa)
    resposta = client.get(url)
    assert resposta.status_code == 200, url
    return texto(resposta.content.decode())


def anexar(solicitacao, pessoa, nome):
    obrigacao = selectors.obrigacoes_da_solicitacao(solicitacao).get(nome=nome)
    datas = {}
    if obrigacao.regra_validade == obrigacao.Regra.DATA_INFORMADA:
        datas["data_validade"] = timezone.localdate() + timedelta(days=200)
    arquivo = SimpleUploadedFile(f"{obrigacao.pk}.pdf", pdf_pequeno(nome))
    return services.anexar_documento(
        solicitacao, ator=pessoa, obrigacao=obrigacao, arquivo=arquivo, **datas
    )


def preparada(pessoa, parceiro):
    """Atualização de documentos com dois documentos, em rascunho, preparada por ``pessoa``."""
    solicitacao = services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=pessoa)
    anexar(solicitacao, pessoa, CNDT)
    anexar(solicitacao, pessoa, CNPJ_DOC)
    return solicitacao


def recarregar(solicitacao):
    return Solicitacao.objects.get(pk=solicitacao.pk)


def assinar(solicitacao, rl):
    return declaracoes.assinar(solicitacao, ator=rl, ip="200.10.20.30", user_agent="Teste")


def em_analise(pessoa, rl, parceiro):
    solicitacao = services.enviar_para_assinatura(preparada(pessoa, parceiro), ator=pessoa)
    assinar(solicitacao, rl)
    return recarregar(solicitacao)


def decidida(solicitacao, analista, decisao):
    cndt, cnpj = solicitacao.documentos_atuais.order_by("pk")
    pareceres = {cndt.pk: (P.APROVAR, ""), cnpj.pk: (P.REPROVAR, "Cartão CNPJ ilegível")}
    if decisao == S.APROVADA:
        pareceres = {cndt.pk: (P.APROVAR, ""), cnpj.pk: (P.APROVAR, "")}
    motivo = "" if decisao == S.APROVADA else "Troque o cartão CNPJ por uma cópia legível."
    analise.decidir(solicitacao, ator=analista, decisao=decisao, motivo=motivo, pareceres=pareceres)
    return recarregar(solicitacao)


def cancelada_pela_rotina(pessoa, parceiro):
    solicitacao = preparada(pessoa, parceiro)
    hoje = timezone.localdate()
    services.expirar_rascunhos(hoje + timedelta(days=24))  # aviso
    services.expirar_rascunhos(hoje + timedelta(days=40))  # cancelamento
    return recarregar(solicitacao)


def no_estado(estado, *, ri, rl, parceiro, analista):
    """(solicitação, quem preparou, evento do e-mail da transição ou None)."""
    if estado == "rascunho":
        return preparada(ri, parceiro), ri, None
    if estado == "aguardando_rl_outro":
        return (
            services.enviar_para_assinatura(preparada(ri, parceiro), ator=ri),
            ri,
            ("assinatura_pendente"),
        )
    if estado == "aguardando_rl_prepara":
        return services.enviar_para_assinatura(preparada(rl, parceiro), ator=rl), rl, None
    if estado == "cancelada":
        return cancelada_pela_rotina(ri, parceiro), ri, "rascunho_cancelado"
    solicitacao = em_analise(ri, rl, parceiro)
    if estado == S.EM_ANALISE:
        return solicitacao, ri, "solicitacao_em_analise"
    return decidida(solicitacao, analista, estado), ri, "solicitacao_decidida"


ESTADOS = [
    "rascunho",
    "aguardando_rl_outro",
    "aguardando_rl_prepara",
    S.EM_ANALISE,
    S.DEVOLVIDA,
    S.APROVADA,
    S.APROVADA_PARCIALMENTE,
    S.REPROVADA,
    "cancelada",
]


def diz_a_etapa(conteudo, etapa, onde):
    assert etapa.rotulo in conteudo, onde
    assert f"Próximo passo: {etapa.proxima_acao}" in conteudo, onde
    assert f"Quem deve agir: {etapa.quem}" in conteudo, onde


def ultimo_email(evento, pessoa):
    return EmailSaida.objects.filter(evento=evento, destinatario=pessoa.email).order_by("pk").last()


# --- O teste que a issue pede: cada status, cada pessoa, cada lugar -------------------------------
@pytest.mark.parametrize("estado", ESTADOS)
def test_painel_pagina_e_email_dizem_o_mesmo_status_proxima_acao_e_quem_age(
    estado, client, ri, rl, parceiro, analista
):
    solicitacao, preparador, evento = no_estado(
        estado, ri=ri, rl=rl, parceiro=parceiro, analista=analista
    )
    for pessoa in {preparador, rl}:
        etapa = selectors.etapa_da_solicitacao(solicitacao, pessoa)
        assert etapa.rotulo == solicitacao.get_status_display()
        assert etapa.proxima_acao and etapa.quem

        detalhe = pagina(client, pessoa, f"/solicitacoes/{solicitacao.pk}/")
        assert f"Situação: {etapa.rotulo}" in detalhe
        diz_a_etapa(detalhe, etapa, "página da solicitação")
        outros = [r for r in ROTULOS if not etapa.rotulo.startswith(r)]
        assert not [r for r in outros if f"Situação: {r}" in detalhe]  # nada se contradiz

        painel = pagina(client, pessoa, "/painel/")
        if solicitacao.status == S.CANCELADA:  # o painel não lista as canceladas
            assert f"nº {solicitacao.pk}" not in painel
        else:
            diz_a_etapa(painel, etapa, "painel")
        if etapa.url:
            assert etapa.botao in detalhe and etapa.botao in painel

        email = ultimo_email(evento, pessoa) if evento else None
        if email is not None:
            diz_a_etapa(" ".join(email.corpo_texto.split()), etapa, f"e-mail {evento}")
            diz_a_etapa(texto(email.corpo_html), etapa, f"e-mail {evento} (HTML)")
    if evento:  # a transição mandou e-mail a quem deve saber
        assert EmailSaida.objects.filter(evento=evento).exists()


def test_quem_age_em_cada_status_e_nomeado_para_cada_pessoa(ri, rl, parceiro, analista):
    aguardando = services.enviar_para_assinatura(preparada(ri, parceiro), ator=ri)
    para_ri = selectors.etapa_da_solicitacao(aguardando, ri)
    para_rl = selectors.etapa_da_solicitacao(aguardando, rl)
    assert para_ri.quem == "O representante legal, Rita Representante" and not para_ri.url
    assert (para_rl.quem, para_rl.botao) == ("Você", "Ler e assinar a declaração")
    assert para_rl.url == f"/solicitacoes/{aguardando.pk}/assinar/"
    assert "a assinatura encaminha a solicitação para análise" in para_ri.proxima_acao

    assinar(aguardando, rl)
    analisando = recarregar(aguardando)
    previsao = somar_dias_uteis(timezone.localdate(analisando.enviada_em), 15)
    etapa = selectors.etapa_da_solicitacao(analisando, ri)
    assert (etapa.rotulo, etapa.quem) == ("Em análise", "A equipe do CAGEC")
    assert f"previsão de resposta até {previsao:%d/%m/%Y}" in etapa.proxima_acao

    devolvida = decidida(analisando, analista, S.DEVOLVIDA)
    etapa = selectors.etapa_da_solicitacao(devolvida, ri)
    assert (etapa.quem, etapa.botao) == ("Você", "Continuar preenchimento")
    assert etapa.url == f"/solicitacoes/{devolvida.pk}/o-que-corrigir/"
    assert selectors.etapa_da_solicitacao(devolvida, rl).quem == (
        "Quem preparou a solicitação, Ivo Responsavel"
    )


# --- Assinar encaminha -----------------------------------------------------------------------
def test_assinar_pela_pagina_encaminha_e_confirma_com_a_previsao(
    client, ri, rl, parceiro, settings
):
    settings.PRAZO_ANALISE_DIAS_UTEIS = 10
    solicitacao = services.enviar_para_assinatura(preparada(ri, parceiro), ator=ri)
    url = f"/solicitacoes/{solicitacao.pk}/assinar/"
    antes = pagina(client, rl, url)
    assert "Assinar e encaminhar para análise" in antes
    assert "encaminhada para análise da equipe do CAGEC na mesma hora" in antes
    assert "10 dias úteis" in antes

    resposta = client.post(url, {"cpf": rl.cpf, "senha": SENHA}, follow=True)
    assert Declaracao.objects.filter(solicitacao=solicitacao).exists()
    depois = texto(resposta.content.decode())
    solicitacao = recarregar(solicitacao)
    previsao = somar_dias_uteis(timezone.localdate(solicitacao.enviada_em), 10)
    assert "Declaração assinada e solicitação encaminhada para análise." in depois
    assert f"previsão: {previsao:%d/%m/%Y}" in depois
    assert "Situação: Em análise" in depois and "Situação: Aguardando" not in depois


def test_depois_de_assinar_nenhuma_pagina_diz_aguardando_assinatura(client, ri, rl, parceiro):
    solicitacao = em_analise(ri, rl, parceiro)
    assert solicitacao.status == S.EM_ANALISE
    for pessoa in (ri, rl):
        for url in (f"/solicitacoes/{solicitacao.pk}/", "/painel/", "/assinaturas/"):
            conteudo = pagina(client, pessoa, url)
            # a linha do tempo conta que passou por “Aguardando assinatura”; o status, não
            assert "Situação: Aguardando" not in conteudo, url
            assert "Aguardando assinatura Próximo passo" not in conteudo, url
            assert "Ler e assinar" not in conteudo, url
            assert "Encaminhar para análise" not in conteudo, url
    assert pendentes_de_assinatura(rl) == []


def test_revisao_diz_o_que_acontece_ao_enviar(client, ri, rl, parceiro, settings):
    settings.PRAZO_ANALISE_DIAS_UTEIS = 12
    do_ri = preparada(ri, parceiro)
    conteudo = pagina(client, ri, f"/solicitacoes/{do_ri.pk}/revisao/")
    assert "O representante legal, Rita Representante , recebe um e-mail" in conteudo
    assert "encaminha a solicitação para análise da equipe do CAGEC automaticamente" in conteudo
    assert "12 dias úteis" in conteudo

    do_rl = preparada(rl, parceiro)
    conteudo = pagina(client, rl, f"/solicitacoes/{do_rl.pk}/revisao/")
    assert "Você é o representante legal: em seguida você lê" in conteudo
    assert "12 dias úteis" in conteudo


def test_painel_do_rl_lista_o_que_espera_a_assinatura_dele_com_o_botao(client, ri, rl, parceiro):
    solicitacao = services.enviar_para_assinatura(preparada(ri, parceiro), ator=ri)
    client.force_login(rl)
    html = client.get("/painel/").content.decode()
    assert f'href="/solicitacoes/{solicitacao.pk}/assinar/"' in html
    assert "Quem deve agir: Você" in texto(html)


# --- Devolvida: Reprovado, O que corrigir, histórico -----------------------------------------
@pytest.fixture
def devolvida(ri, rl, parceiro, analista):
    return decidida(em_analise(ri, rl, parceiro), analista, S.DEVOLVIDA)


def test_documento_reprovado_aparece_reprovado_na_pagina_e_no_passo(client, devolvida, ri):
    detalhe = pagina(client, ri, f"/solicitacoes/{devolvida.pk}/")
    assert "Reprovado: Cartão CNPJ ilegível" in detalhe
    assert "Em análise: Cartão CNPJ ilegível" not in detalhe

    client.force_login(ri)
    html = client.get(f"/solicitacoes/{devolvida.pk}/documentos/").content.decode()
    cnpj = devolvida.documentos.get(obrigacao__nome=CNPJ_DOC).obrigacao_id
    item = re.search(
        rf'<li class="list-group-item[^"]*" id="obrigacao-{cnpj}"[^>]*>(.*?)</li>', html, re.S
    )
    assert item and "Reprovado" in texto(item.group(1))
    assert "Cartão CNPJ ilegível" in texto(item.group(1))


def test_continuar_preenchimento_abre_o_que_corrigir_com_links(client, devolvida, ri):
    client.force_login(ri)
    detalhe = client.get(f"/solicitacoes/{devolvida.pk}/").content.decode()
    assert f'href="/solicitacoes/{devolvida.pk}/o-que-corrigir/"' in detalhe

    html = client.get(f"/solicitacoes/{devolvida.pk}/o-que-corrigir/").content.decode()
    conteudo = texto(html)
    cnpj = devolvida.documentos.get(obrigacao__nome=CNPJ_DOC).obrigacao_id
    assert "O que corrigir" in conteudo
    assert "Troque o cartão CNPJ por uma cópia legível." in conteudo
    assert f'href="/solicitacoes/{devolvida.pk}/documentos/#obrigacao-{cnpj}"' in html
    assert f"Trocar o documento “{CNPJ_DOC}”" in conteudo
    assert "Motivo: Cartão CNPJ ilegível" in conteudo
    assert CNDT not in conteudo  # aprovado: nada a corrigir
    assert f'href="/solicitacoes/{devolvida.pk}/revisao/"' in html
    trilha = re.search(r'<nav aria-label="Trilha".*?</nav>', html, re.S)
    assert trilha, "a página O que corrigir tem a trilha"
    passos = re.findall(r"<li[^>]*>(.*?)</li>", trilha.group(0), re.S)
    assert [texto(p) for p in passos] == [
        "Painel",
        f"Solicitação nº {devolvida.pk}",
        "O que corrigir",
    ]

    anexar(devolvida, ri, CNPJ_DOC)
    conteudo = pagina(client, ri, f"/solicitacoes/{devolvida.pk}/o-que-corrigir/")
    assert f"Trocado {CNPJ_DOC}" in conteudo
    assert "Todos os documentos reprovados foram trocados." in conteudo


def test_o_que_corrigir_so_para_quem_preparou_e_so_quando_devolvida(
    client, devolvida, rl, outro_rl, ri, parceiro
):
    url = f"/solicitacoes/{devolvida.pk}/o-que-corrigir/"
    for estranho in (rl, outro_rl):  # o RL vê a solicitação, mas não edita
        client.force_login(estranho)
        assert client.get(url).status_code == 404
    rascunho = services.iniciar_atualizacao(parceiro, T.DADOS, ator=ri)
    client.force_login(ri)
    resposta = client.get(f"/solicitacoes/{rascunho.pk}/o-que-corrigir/")
    assert resposta.status_code == 302
    assert resposta["Location"] == f"/solicitacoes/{rascunho.pk}/"


def test_reenviada_os_motivos_saem_do_topo_e_ficam_na_linha_do_tempo(client, devolvida, ri, rl):
    anexar(devolvida, ri, CNPJ_DOC)
    reenviada = services.enviar_para_assinatura(devolvida, ator=ri)
    client.force_login(ri)
    html = client.get(f"/solicitacoes/{reenviada.pk}/").content.decode()
    assert 'id="o-que-corrigir"' not in html
    assert "Motivo informado pela análise" not in texto(html)
    linha = texto(re.search(r'<ol class="[^"]*linha-do-tempo[^"]*">(.*?)</ol>', html, re.S)[1])
    hoje = timezone.localdate().strftime("%d/%m/%Y")
    assert re.search(
        rf"{hoje} \d\d:\d\d — Ana Analista mudou de “Em análise” para “Devolvida para correção”\. "
        r"Troque o cartão CNPJ por uma cópia legível\.",
        linha,
    )
    assert f"A análise reprovou o documento “{CNPJ_DOC}”. Cartão CNPJ ilegível" in linha


def test_email_da_devolucao_aponta_a_lista_do_que_corrigir(devolvida, ri):
    email = ultimo_email("solicitacao_decidida", ri)
    assert "a página da solicitação lista o que corrigir" in email.corpo_texto
    assert "Quem deve agir: Você" in email.corpo_texto


# --- Endereço antigo, revogação, dependências, migração --------------------------------------
def test_revogada_durante_a_analise_aparece_na_linha_do_tempo(client, ri, rl, parceiro, analista):
    solicitacao = em_analise(ri, rl, parceiro)
    declaracao = declaracao_vigente(solicitacao)
    declaracoes.revogar(declaracao, ator=analista, motivo="Assinada por engano")
    conteudo = pagina(client, ri, f"/solicitacoes/{solicitacao.pk}/")
    assert "A declaração foi revogada. Assinada por engano" in conteudo
    assert "revogada" in conteudo and "Situação: Em análise" in conteudo


def test_somar_dias_uteis_pula_o_fim_de_semana():
    sexta = date(2026, 12, 4)
    assert somar_dias_uteis(sexta, 1) == date(2026, 12, 7)
    assert somar_dias_uteis(sexta, 5) == date(2026, 12, 11)
    assert somar_dias_uteis(sexta, 0) == sexta


def _migracao():
    return import_module("declaracoes.migrations.0003_ciclo_assinadas_encaminhadas")


def test_migracao_encaminha_as_ja_assinadas_e_deixa_as_outras(ri, rl, parceiro, outro_usuario):
    assinada = services.enviar_para_assinatura(preparada(ri, parceiro), ator=ri)
    declaracao = assinar(assinada, rl)
    # como no fluxo antigo: assinada mas ainda “aguardando assinatura”
    assinada.transicoes.filter(para=S.EM_ANALISE).delete()
    Solicitacao.objects.filter(pk=assinada.pk).update(
        status=S.AGUARDANDO_ASSINATURA, enviada_em=None
    )
    sem_assinatura = services.enviar_para_assinatura(preparada(ri, parceiro), ator=ri)
    revogada = services.enviar_para_assinatura(preparada(ri, parceiro), ator=ri)
    Declaracao.objects.filter(pk=assinar(revogada, rl).pk).update(
        revogada_em=timezone.now(), motivo_revogacao="teste"
    )
    revogada.transicoes.filter(para=S.EM_ANALISE).delete()
    Solicitacao.objects.filter(pk=revogada.pk).update(status=S.AGUARDANDO_ASSINATURA)

    emails_antes = EmailSaida.objects.count()
    _migracao().encaminhar_assinadas(apps_do_projeto, None)

    assinada = recarregar(assinada)
    assert (assinada.status, assinada.enviada_em) == (S.EM_ANALISE, declaracao.assinada_em)
    ultima = TransicaoSolicitacao.objects.filter(solicitacao=assinada).last()
    assert (ultima.de, ultima.para, ultima.usuario) == (S.AGUARDANDO_ASSINATURA, S.EM_ANALISE, rl)
    assert ultima.created_at == declaracao.assinada_em
    assert recarregar(sem_assinatura).status == S.AGUARDANDO_ASSINATURA
    assert recarregar(revogada).status == S.AGUARDANDO_ASSINATURA
    assert EmailSaida.objects.count() == emails_antes  # a migração não manda e-mail
