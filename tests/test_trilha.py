"""Trilha (breadcrumbs) em toda página interna, sempre começando em "Painel" (issue #13, item 4).

Uma só declaração (``cagec/core/templatetags/trilha.py``) por nome de rota; a página atual é o
último item, com ``aria-current="page"``, e os anteriores são links.
"""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from declaracoes import services as declaracoes_services
from parceiros import selectors, services
from parceiros.models import Solicitacao

from .factories import CNPJ_LIVRE, pdf_pequeno

pytestmark = pytest.mark.django_db


def _trilha(resposta):
    """[(rótulo, href ou None, atual)] da ``<nav aria-label="Trilha">``."""
    html = resposta.content.decode()
    achado = re.search(r'<nav aria-label="Trilha".*?</nav>', html, re.S)
    if not achado:
        return []
    itens = []
    for li in re.findall(r"<li[^>]*>.*?</li>", achado.group(0), re.S):
        href = re.search(r'href="([^"]+)"', li)
        texto = " ".join(unescape(re.sub(r"<[^>]+>", "", li)).split())
        itens.append((texto, href.group(1) if href else None, 'aria-current="page"' in li))
    return itens


@pytest.fixture
def cenario(rl, parceiro, ri, media_temporaria):
    inscricao = services.iniciar_inscricao(CNPJ_LIVRE, ator=rl)
    atualizacao = services.iniciar_atualizacao(parceiro, Solicitacao.Tipo.DOCUMENTOS, ator=ri)
    obrigacao = selectors.obrigacoes_da_solicitacao(atualizacao).first()
    arquivo = SimpleUploadedFile("a.pdf", pdf_pequeno(), "application/pdf")
    services.anexar_documento(
        atualizacao, ator=ri, obrigacao=obrigacao, arquivo=arquivo, **_datas(obrigacao)
    )
    services.enviar_para_assinatura(atualizacao, ator=ri)
    return {"inscricao": inscricao, "pendente": atualizacao, "cnpj": parceiro.cnpj}


def _datas(obrigacao):
    hoje = timezone.localdate()
    if obrigacao.pede_data_validade:
        return {"data_validade": hoje + timedelta(days=90)}
    if obrigacao.pede_data_emissao:
        return {"data_emissao": hoje}
    return {}


# (url, rótulos esperados) para o RL do parceiro
PAGINAS_DO_RL = [
    ("/painel/", ["Painel"]),
    ("/minha-conta/", ["Painel", "Minha conta"]),
    ("/minha-conta/senha/", ["Painel", "Minha conta", "Senha"]),
    ("/minha-conta/email/", ["Painel", "Minha conta", "Trocar e-mail"]),
    ("/solicitacoes/nova/", ["Painel", "Inscrever organização"]),
    ("/solicitacoes/{inscricao.pk}/", ["Painel", "Solicitação nº {inscricao.pk}"]),
    (
        "/solicitacoes/{inscricao.pk}/dados/",
        ["Painel", "Solicitação nº {inscricao.pk}", "Dados"],
    ),
    ("/parceiros/{cnpj}/", ["Painel", "MUNICIPIO DE SAO JOSE DAS ALMAS"]),
    (
        "/parceiros/{cnpj}/responsaveis/",
        ["Painel", "MUNICIPIO DE SAO JOSE DAS ALMAS", "Responsáveis pelas informações"],
    ),
    ("/assinaturas/", ["Painel", "Assinaturas pendentes"]),
    (
        "/solicitacoes/{pendente.pk}/assinar/",
        ["Painel", "Solicitação nº {pendente.pk}", "Assinatura"],
    ),
    ("/consulta/cpf/", ["Painel", "Consulta por CPF"]),
]


@pytest.mark.parametrize(("modelo", "esperado"), PAGINAS_DO_RL, ids=[p for p, _ in PAGINAS_DO_RL])
def test_pagina_interna_tem_trilha_que_comeca_no_painel(client, rl, cenario, modelo, esperado):
    client.force_login(rl)
    valores = cenario
    resposta = client.get(modelo.format(**valores))

    assert resposta.status_code == 200
    trilha = _trilha(resposta)
    assert [rotulo for rotulo, _, _ in trilha] == [e.format(**valores) for e in esperado]
    assert trilha[0][0] == "Painel"
    assert trilha[-1][2], "o último item é a página atual (aria-current)"
    assert trilha[-1][1] is None
    for _, href, _ in trilha[:-1]:
        assert href and client.get(href).status_code == 200  # cada passo anterior abre


def test_paginas_da_analise_tambem_comecam_no_painel(client, analista, cenario, rl):
    analista.groups.add(Group.objects.get(name="Analista"))
    pendente = cenario["pendente"]
    declaracoes_services.assinar(pendente, ator=rl)  # e encaminha para análise
    client.force_login(analista)

    fila = _trilha(client.get("/analise/"))
    decisao = _trilha(client.get(f"/analise/{pendente.pk}/"))

    assert [r for r, _, _ in fila] == ["Painel", "Análise"]
    assert [r for r, _, _ in decisao] == ["Painel", "Análise", f"Solicitação nº {pendente.pk}"]
    assert decisao[1][1] == "/analise/"


@pytest.mark.parametrize("url", ["/", "/consulta/", "/verificar/"])
def test_paginas_publicas_nao_tem_trilha(client, rl, url):
    client.force_login(rl)
    assert _trilha(client.get(url)) == []


def test_visitante_nao_ve_trilha(client):
    assert _trilha(client.get("/entrar/")) == []
