"""Stepper do caminho inteiro e revisão completa (issue #13, itens 4 e 5).

* Dados → Representante → Documentos → Revisão → Assinatura → Envio (só os passos do tipo
  da solicitação, mais Assinatura e Envio), a etapa atual com ``aria-current="step"`` e o
  resumo "Passo x de n — Nome" (o que aparece no celular); nos passos do assistente, na
  página de assinatura e no detalhe enquanto a solicitação está no caminho.
* A revisão mostra tudo o que vai: tipo, contatos, RL, cargo, mandato e cada documento com
  as datas e o nome do arquivo, por grupo; "Alterar" por seção; os obrigatórios que faltam
  com o link para o envio de cada um.
"""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from declaracoes import services as declaracoes_services
from parceiros import analise, selectors, services
from parceiros.models import Obrigacao, Solicitacao, TipoParceiro

from ..factories import CNPJ_ALFANUMERICO, UsuarioFactory, pdf_pequeno

pytestmark = pytest.mark.django_db

T = Solicitacao.Tipo
R = Obrigacao.Regra


def _stepper(pagina):
    achado = re.search(r'<nav class="stepper.*?</nav>', pagina, re.S)
    return achado.group(0) if achado else ""


def _etapas(pagina):
    """[(nome, estado)] na ordem do stepper."""
    return [
        (nome, estado)
        for estado, nome in re.findall(
            r'stepper-etapa stepper-(\w+)".*?<span class="stepper-nome">([^<]+)</span>',
            _stepper(pagina),
            re.S,
        )
    ]


def _atual(pagina):
    achado = re.search(r'<li class="[^"]*stepper-atual" aria-current="step">', _stepper(pagina))
    return achado is not None


def _pdf(nome):
    return SimpleUploadedFile(nome, pdf_pequeno(nome), "application/pdf")


@pytest.fixture
def inscricao(rl, media_temporaria):
    """Inscrição do CNPJ alfanumérico com dados, representante e um documento."""
    solicitacao = services.iniciar_inscricao(CNPJ_ALFANUMERICO, ator=rl)
    tipo = selectors.tipos_permitidos(selectors.natureza_da_solicitacao(solicitacao)).first()
    services.salvar_dados(
        solicitacao,
        ator=rl,
        tipo=tipo,
        site="https://amba.org.br",
        email_institucional="contato@amba.org.br",
        telefone="3132815500",
    )
    services.salvar_representante(
        solicitacao,
        ator=rl,
        representante=rl,
        cargo="Presidente",
        mandato_inicio=date(2025, 2, 1),
        mandato_fim=date(2029, 1, 31),
    )
    solicitacao.refresh_from_db()
    return solicitacao


def _anexar(solicitacao, autor, regra, nome, **datas):
    obrigacao = (
        selectors.obrigacoes_da_solicitacao(solicitacao).filter(regra_validade=regra).first()
    )
    services.anexar_documento(
        solicitacao, ator=autor, obrigacao=obrigacao, arquivo=_pdf(nome), **datas
    )
    return obrigacao


# --- Stepper ----------------------------------------------------------------------------------
def test_passo_da_inscricao_mostra_as_seis_etapas_com_a_atual_marcada(client, rl, inscricao):
    client.force_login(rl)
    pagina = client.get(f"/solicitacoes/{inscricao.pk}/documentos/").content.decode()

    assert _etapas(pagina) == [
        ("Dados", "feito"),
        ("Representante", "feito"),
        ("Documentos", "atual"),
        ("Revisão", "futuro"),
        ("Assinatura", "futuro"),
        ("Envio", "futuro"),
    ]
    assert _atual(pagina)
    assert "Passo 3 de 6 — Documentos" in pagina
    stepper = _stepper(pagina)
    assert 'aria-label="Etapas da solicitação"' in stepper
    assert f'href="/solicitacoes/{inscricao.pk}/dados/"' in stepper  # feito: dá para voltar
    assert "/assinar/" not in stepper  # assinatura ainda não é possível


def test_atualizacao_de_documentos_tem_so_os_seus_passos(client, rl, parceiro):
    atualizacao = services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=rl)
    client.force_login(rl)
    pagina = client.get(f"/solicitacoes/{atualizacao.pk}/documentos/").content.decode()
    assert [n for n, _ in _etapas(pagina)] == ["Documentos", "Revisão", "Assinatura", "Envio"]
    assert "Passo 1 de 4 — Documentos" in pagina


def test_pagina_de_assinatura_e_detalhe_mostram_a_etapa_assinatura(client, rl, inscricao):
    _anexar(inscricao, rl, R.FIM_MANDATO, "cpf.pdf")
    services.enviar_para_assinatura(inscricao, ator=rl)
    client.force_login(rl)

    assinar = client.get(f"/solicitacoes/{inscricao.pk}/assinar/").content.decode()
    detalhe = client.get(f"/solicitacoes/{inscricao.pk}/").content.decode()

    for pagina in (assinar, detalhe):
        assert ("Assinatura", "atual") in _etapas(pagina)
        assert "Passo 5 de 6 — Assinatura" in pagina
    assert f'href="/solicitacoes/{inscricao.pk}/assinar/"' in _stepper(detalhe)


def test_assinar_conclui_o_envio_e_nenhuma_etapa_fica_pendente(client, rl, inscricao):
    """Assinar encaminha (#13 item 1): o stepper nunca mostra "Envio" como etapa a fazer."""
    _anexar(inscricao, rl, R.FIM_MANDATO, "cpf.pdf")
    services.enviar_para_assinatura(inscricao, ator=rl)
    declaracoes_services.assinar(inscricao, ator=rl)
    client.force_login(rl)

    pagina = client.get(f"/solicitacoes/{inscricao.pk}/").content.decode()

    assert ("Envio", "feito") in _etapas(pagina)
    assert "Passo 6 de 6 — Envio" not in pagina
    assert f'href="/solicitacoes/{inscricao.pk}/assinar/"' not in _stepper(pagina)


def test_em_analise_todas_concluidas_e_decidida_sem_stepper(client, rl, inscricao, analista):
    _anexar(inscricao, rl, R.FIM_MANDATO, "cpf.pdf")
    services.enviar_para_assinatura(inscricao, ator=rl)
    declaracoes_services.assinar(inscricao, ator=rl)  # e encaminha para análise
    client.force_login(rl)

    pagina = client.get(f"/solicitacoes/{inscricao.pk}/").content.decode()
    assert "Todas as 6 etapas" in pagina
    assert {estado for _, estado in _etapas(pagina)} == {"feito"}

    analise.decidir(inscricao, ator=analista, decisao="reprovada", motivo="Documentação falsa.")
    pagina = client.get(f"/solicitacoes/{inscricao.pk}/").content.decode()
    assert _stepper(pagina) == ""


def test_rl_que_nao_preparou_nao_recebe_links_para_os_passos(client, rl, parceiro, ri):
    atualizacao = services.iniciar_atualizacao(parceiro, T.DADOS, ator=ri)
    services.enviar_para_assinatura(atualizacao, ator=ri)
    client.force_login(rl)

    stepper = _stepper(client.get(f"/solicitacoes/{atualizacao.pk}/").content.decode())

    assert f"/solicitacoes/{atualizacao.pk}/dados/" not in stepper
    assert f'href="/solicitacoes/{atualizacao.pk}/assinar/"' in stepper


# --- Revisão ----------------------------------------------------------------------------------
def _texto(pagina):
    sem_tags = re.sub(
        r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", pagina, flags=re.S)
    )
    return re.sub(r" ([,.])", r"\1", " ".join(unescape(sem_tags).split()))


def test_revisao_mostra_tudo_o_que_vai_com_alterar_por_secao(client, rl, inscricao):
    hoje = timezone.localdate()
    validade = hoje + timedelta(days=200)
    emissao = hoje - timedelta(days=5)
    _anexar(inscricao, rl, R.FIM_MANDATO, "cpf-presidente.pdf")
    _anexar(inscricao, rl, R.DATA_INFORMADA, "cnd.pdf", data_validade=validade)
    emitido = _anexar(inscricao, rl, R.DIAS_APOS_EMISSAO, "endereco.pdf", data_emissao=emissao)
    client.force_login(rl)

    pagina = client.get(f"/solicitacoes/{inscricao.pk}/revisao/").content.decode()
    texto = _texto(pagina)

    tipo = TipoParceiro.objects.get(pk=inscricao.dados["tipo_id"])
    assert f"Tipo de parceiro {tipo}" in texto
    assert "https://amba.org.br" in texto
    assert "contato@amba.org.br" in texto
    assert "(31) 3281-5500" in texto
    assert f"Quem assina: {rl.nome}, Presidente." in texto
    assert "Mandato: 01/02/2025 a 31/01/2029." in texto
    assert "Documentos anexados (3)" in texto
    assert f"cnd.pdf, válido até {validade:%d/%m/%Y}" in texto
    vence = emissao + timedelta(days=emitido.dias)
    assert f"endereco.pdf, emitido em {emissao:%d/%m/%Y}, válido até {vence:%d/%m/%Y}" in texto
    assert "cpf-presidente.pdf, válido até o fim do mandato" in texto
    for passo in ("dados", "representante", "documentos"):
        assert f'href="/solicitacoes/{inscricao.pk}/{passo}/">Alterar' in pagina


def test_revisao_lista_os_obrigatorios_que_faltam_com_link_para_o_envio(client, rl, inscricao):
    client.force_login(rl)
    pagina = client.get(f"/solicitacoes/{inscricao.pk}/revisao/").content.decode()
    faltam = list(selectors.obrigatorias_sem_documento(inscricao))

    assert faltam
    assert f"Itens obrigatórios ainda sem documento ({len(faltam)})" in pagina
    for obrigacao in faltam:
        destino = (
            f"/solicitacoes/{inscricao.pk}/documentos/?item={obrigacao.pk}#obrigacao-{obrigacao.pk}"
        )
        assert f'href="{destino}"' in pagina


def test_revisao_da_atualizacao_de_dados_mostra_o_rl_e_o_mandato_atuais(client, rl, parceiro):
    atualizacao = services.iniciar_atualizacao(parceiro, T.DADOS, ator=rl)
    client.force_login(rl)
    texto = _texto(client.get(f"/solicitacoes/{atualizacao.pk}/revisao/").content.decode())
    assert f"Quem assina: {rl.nome}, Prefeita." in texto
    assert "Mandato: 01/01/2025 a 31/12/2028." in texto
    assert f"Tipo de parceiro {parceiro.tipo}" in texto


def test_revisao_recusa_estranho(client, inscricao):
    client.force_login(UsuarioFactory(aceitou_termo=True))
    assert client.get(f"/solicitacoes/{inscricao.pk}/revisao/").status_code == 404
