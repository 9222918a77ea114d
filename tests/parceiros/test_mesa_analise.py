"""A análise num passo e a entrada de cada papel (#13, itens 8 e 9), pelo cliente de testes.

Página de decisão: resumo de erros no topo com um link por campo e nada perdido; "Aprovar
todos os documentos" também sem JavaScript; cartões aprovados recolhidos; visualizador ao
lado (só a equipe da análise, num quadro do próprio portal); motivo padrão conferido antes do
envio. Entrada: o painel de quem analisa começa pela fila; a fila liga pelo nome da
organização; a pasta digital oferece "Emitir CRC"; o menu mostra "Assinaturas (n)".
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Usuario
from cagec.core.models import RegistroAuditoria
from parceiros import services
from parceiros.models import MotivoPadrao, Solicitacao
from tests.factories import UsuarioFactory
from tests.parceiros.test_analise import (
    CNDT,
    CNPJ_DOC,
    _sem_efeito,
    anexar,
    atualizacao_de_documentos,
    documentos,
    recarregar,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]

S = Solicitacao.Status


@pytest.fixture(autouse=True)
def _pdf_rapido(monkeypatch):
    """A assinatura gera um PDF; aqui ele não importa (o PDF é testado em declaracoes)."""
    from cagec.lib import pdf

    monkeypatch.setattr(pdf, "renderizar_pdf", lambda *a, **k: b"%PDF-1.7\n% teste\n")


@pytest.fixture
def analista(analista):
    """A persona da análise: da equipe e do grupo "Analista" (criado pela migração 0006)."""
    analista.groups.add(Group.objects.get(name="Analista"))
    return Usuario.objects.get(pk=analista.pk)


@pytest.fixture
def pedido(ri, rl, parceiro):
    """Atualização de documentos do RI (CNDT e CNPJ), assinada pelo RL, em análise."""
    return atualizacao_de_documentos(ri, parceiro, CNDT, CNPJ_DOC)


def _url(solicitacao):
    return f"/analise/{solicitacao.pk}/"


def _resumo(html):
    """O bloco do resumo de erros (``#resumo-erros``) da página, ou ""."""
    achado = re.search(r'<div[^>]*id="resumo-erros".*?</div>', html, re.S)
    return achado.group(0) if achado else ""


def _cartao(html, documento):
    """A abertura do ``<details>`` do cartão do documento."""
    achado = re.search(rf'<details[^>]*id="documento-{documento.pk}"[^>]*>', html)
    assert achado, f"cartão do documento {documento.pk} não encontrado"
    return achado.group(0)


def _marcado(html, nome, valor):
    return re.search(rf'<input[^>]*name="{nome}"[^>]*value="{valor}"[^>]*checked', html) or (
        re.search(rf'<input[^>]*value="{valor}"[^>]*name="{nome}"[^>]*checked', html)
    )


# --- Resumo de erros ----------------------------------------------------------------------------
def test_sem_decisao_resumo_no_topo_liga_ao_campo_e_nada_digitado_se_perde(
    client, pedido, analista
):
    cndt, cnpj = documentos(pedido)
    client.force_login(analista)

    resposta = client.post(
        _url(pedido),
        {
            f"parecer_{cnpj.pk}": "reprovar",
            f"motivo_{cnpj.pk}": "Cópia sem o verso",
            "motivo": "Texto que a analista já escreveu",
        },
    )

    assert resposta.status_code == 200
    html = resposta.text
    resumo = _resumo(html)
    assert 'role="alert"' in resumo and 'tabindex="-1"' in resumo
    assert "Não foi possível registrar a decisão." in resumo
    assert '<a href="#id_decisao_0">Escolha a decisão sobre a solicitação.</a>' in resumo
    assert html.index('id="resumo-erros"') < html.index('id="form-decisao"')  # no topo
    assert _marcado(html, f"parecer_{cnpj.pk}", "reprovar")
    assert 'value="Cópia sem o verso"' in html
    assert "Texto que a analista já escreveu</textarea>" in html
    _sem_efeito(pedido)


def test_reprovar_sem_motivo_liga_ao_motivo_do_documento_e_deixa_o_cartao_aberto(
    client, pedido, analista
):
    cndt, cnpj = documentos(pedido)
    client.force_login(analista)

    html = client.post(
        _url(pedido),
        {"decisao": "devolvida", "motivo": "Corrija.", f"parecer_{cnpj.pk}": "reprovar"},
    ).text

    resumo = _resumo(html)
    erro = f"Informe o motivo da reprovação de “{CNPJ_DOC}”."
    assert f'<a href="#id_motivo_{cnpj.pk}">{erro}</a>' in resumo
    assert " open" in _cartao(html, cnpj)
    _sem_efeito(pedido)


def test_sem_motivo_da_decisao_liga_a_caixa_motivo(client, pedido, analista):
    client.force_login(analista)

    resumo = _resumo(client.post(_url(pedido), {"decisao": "reprovada"}).text)

    assert '<a href="#id_motivo">Informe o motivo da decisão.</a>' in resumo
    _sem_efeito(pedido)


# --- Aprovar todos e cartões recolhíveis ----------------------------------------------------------
def test_aprovar_todos_sem_javascript_marca_todos_recolhe_e_nao_decide(client, pedido, analista):
    cndt, cnpj = documentos(pedido)
    client.force_login(analista)
    pagina = client.get(_url(pedido)).text
    assert '<button type="submit" name="aprovar_todos" value="1"' in pagina
    assert "Aprovar todos os documentos" in pagina
    assert " open" in _cartao(pagina, cndt) and " open" in _cartao(pagina, cnpj)  # sem parecer

    resposta = client.post(
        _url(pedido),
        {"aprovar_todos": "1", f"parecer_{cnpj.pk}": "reprovar", "motivo": "Rascunho do motivo"},
    )

    html = resposta.text
    assert resposta.status_code == 200
    for documento in (cndt, cnpj):
        assert _marcado(html, f"parecer_{documento.pk}", "aprovar")
        assert " open" not in _cartao(html, documento)  # aprovado: recolhido
    assert "Rascunho do motivo</textarea>" in html
    assert "Parecer “Aprovar” marcado em 2 documento(s). Escolha a decisão." in html
    assert 'id="resumo-erros"' not in html  # ainda não é um envio da decisão
    _sem_efeito(pedido)


def test_depois_de_aprovar_todos_a_decisao_aprova(client, pedido, analista):
    cndt, cnpj = documentos(pedido)
    client.force_login(analista)

    client.post(
        _url(pedido),
        {"decisao": "aprovada", f"parecer_{cndt.pk}": "aprovar", f"parecer_{cnpj.pk}": "aprovar"},
    )

    assert recarregar(pedido).status == S.APROVADA


def test_quem_e_parte_da_solicitacao_nao_usa_aprovar_todos(client, pedido, rl):
    rl.is_staff = True
    rl.save(update_fields=["is_staff"])
    rl.groups.add(Group.objects.get(name="Analista"))
    client.force_login(rl)

    resposta = client.post(_url(pedido), {"aprovar_todos": "1"}, follow=True)

    assert resposta.redirect_chain == [("/analise/", 302)]
    assert "Outra pessoa da análise deve decidi-la." in resposta.text
    assert RegistroAuditoria.objects.filter(acao="solicitacao.decisao_recusada_conflito").exists()
    _sem_efeito(pedido)


# --- Motivo padrão ------------------------------------------------------------------------------
def test_motivo_padrao_vai_para_a_pagina_para_o_javascript_preencher_a_caixa(
    client, pedido, analista
):
    ilegivel = MotivoPadrao.objects.get(titulo="Documento ilegível")
    client.force_login(analista)

    html = client.get(_url(pedido)).text

    assert '<script id="motivos-padrao" type="application/json">' in html
    assert f'"{ilegivel.pk}": "{ilegivel.texto[:20]}' in html
    assert 'name="modelo_conferido"' in html
    assert 'id="previa-motivo" aria-live="polite"' in html
    assert re.search(r"/static/js/analise\.[0-9a-f]{12}\.js", html)


def test_motivo_padrao_sem_javascript_volta_na_caixa_para_conferir_e_editar(
    client, pedido, analista
):
    vencido = MotivoPadrao.objects.get(titulo="Documento vencido")
    client.force_login(analista)

    html = client.post(_url(pedido), {"decisao": "devolvida", "modelo": vencido.pk}).text

    assert f"{vencido.texto}</textarea>" in html
    assert f'name="modelo_conferido" value="{vencido.pk}"' in html
    assert "O texto do motivo padrão está na caixa Motivo: confira, edite se precisar" in html
    _sem_efeito(pedido)
    editado = f"{vencido.texto} Envie a certidão emitida este mês."
    client.post(
        _url(pedido),
        {
            "decisao": "devolvida",
            "modelo": vencido.pk,
            "modelo_conferido": str(vencido.pk),
            "motivo": editado,
        },
    )
    assert (recarregar(pedido).status, recarregar(pedido).motivo) == (S.DEVOLVIDA, editado)


def test_motivo_padrao_posto_pelo_javascript_e_registrado_como_esta_na_caixa(
    client, pedido, analista
):
    ilegivel = MotivoPadrao.objects.get(titulo="Documento ilegível")
    client.force_login(analista)

    client.post(
        _url(pedido),
        {
            "decisao": "reprovada",
            "modelo": ilegivel.pk,
            "modelo_conferido": str(ilegivel.pk),
            "motivo": "Só a primeira página está legível.",
        },
    )

    assert recarregar(pedido).motivo == "Só a primeira página está legível."


# --- Visualizador -------------------------------------------------------------------------------
def test_pagina_mostra_o_primeiro_documento_no_visualizador_e_links_para_ele(
    client, pedido, analista
):
    cndt, cnpj = documentos(pedido)
    client.force_login(analista)

    html = client.get(_url(pedido)).text

    assert re.search(
        rf'<iframe[^>]*name="visualizador-documento"[^>]*src="/analise/documentos/{cndt.pk}/"',
        html,
        re.S,
    )
    for documento in (cndt, cnpj):
        assert re.search(
            rf'href="/analise/documentos/{documento.pk}/" target="visualizador-documento"', html
        )
        assert f'href="/documentos/{documento.pk}/" target="_blank"' in html  # nova aba


def test_visualizador_entrega_o_arquivo_para_um_quadro_do_proprio_portal(client, pedido, analista):
    cndt = documentos(pedido)[0]
    client.force_login(analista)

    resposta = client.get(f"/analise/documentos/{cndt.pk}/")

    assert resposta.status_code == 200
    assert resposta["Content-Type"] == "application/pdf"
    assert resposta["Content-Disposition"].startswith("inline")
    assert resposta["X-Frame-Options"] == "SAMEORIGIN"
    assert resposta["Content-Security-Policy"] == (
        "sandbox; default-src 'none'; frame-ancestors 'self'"
    )
    assert b"".join(resposta.streaming_content).startswith(b"%PDF")
    download = client.get(f"/documentos/{cndt.pk}/")  # o download continua fora de quadros
    assert download["X-Frame-Options"] == "DENY"
    assert "frame-ancestors" not in download["Content-Security-Policy"]


@pytest.mark.parametrize("quem", ["rl", "ri", "estranho", "equipe_sem_grupo"])
def test_visualizador_e_so_da_analise(client, pedido, quem, request):
    pessoas = {
        "estranho": lambda: UsuarioFactory(aceitou_termo=True),
        "equipe_sem_grupo": lambda: UsuarioFactory(aceitou_termo=True, is_staff=True),
    }
    pessoa = pessoas[quem]() if quem in pessoas else request.getfixturevalue(quem)
    client.force_login(pessoa)

    assert client.get(f"/analise/documentos/{documentos(pedido)[0].pk}/").status_code == 404


def test_visualizador_pede_login_e_recusa_documento_inexistente(client, pedido, analista):
    url = f"/analise/documentos/{documentos(pedido)[0].pk}/"
    assert client.get(url)["Location"] == f"/entrar/?next={url}"
    client.force_login(analista)
    assert client.get("/analise/documentos/999999/").status_code == 404


# --- Entrada de quem analisa ---------------------------------------------------------------------
def test_painel_de_quem_analisa_comeca_pela_fila_com_total_e_espera_mais_antiga(
    client, pedido, analista
):
    Solicitacao.objects.filter(pk=pedido.pk).update(enviada_em=timezone.now() - timedelta(days=9))
    client.force_login(analista)

    html = client.get("/painel/").text

    texto = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    assert "1 solicitação em análise; a mais antiga espera há 9 dias." in texto
    assert '<a class="btn btn-primary" href="/analise/">Abrir a fila de análise</a>' in html
    assert html.index("Fila de análise") < html.index("Minhas organizações")


def test_painel_de_quem_analisa_com_a_fila_vazia(client, analista):
    client.force_login(analista)

    assert "Nenhuma solicitação esperando análise." in client.get("/painel/").text


def test_painel_de_quem_nao_analisa_nao_mostra_a_fila(client, pedido, rl):
    client.force_login(rl)

    html = client.get("/painel/").text

    assert "Fila de análise" not in html and "Abrir a fila de análise" not in html


def test_fila_liga_cada_linha_pelo_nome_da_organizacao(client, pedido, analista, parceiro):
    client.force_login(analista)

    html = client.get("/analise/").text

    assert re.search(
        rf'<a class="fw-semibold"\s+href="/analise/{pedido.pk}/">'
        rf"{re.escape(parceiro.razao_social)}</a>",
        html,
    )
    assert f'<a href="/analise/{pedido.pk}/">{pedido.pk}</a>' not in html


# --- Pasta digital e menu ------------------------------------------------------------------------
def test_pasta_digital_oferece_emitir_crc(client, parceiro, rl):
    client.force_login(rl)

    html = client.get(f"/parceiros/{parceiro.cnpj}/").text

    assert re.search(rf'href="/consulta/{parceiro.cnpj}/crc/"[^>]*>Emitir CRC', html)


def _aguardando_assinatura_do(rl, ri, parceiro):
    solicitacao = services.iniciar_atualizacao(parceiro, Solicitacao.Tipo.DOCUMENTOS, ator=ri)
    anexar(solicitacao, ri, CNDT)
    return services.enviar_para_assinatura(solicitacao, ator=ri)


def test_menu_mostra_assinaturas_pendentes_de_quem_navega(client, rl, ri, parceiro):
    _aguardando_assinatura_do(rl, ri, parceiro)
    menu = '<a class="nav-link text-nowrap"\n            href="/assinaturas/">Assinaturas (1)</a>'

    client.force_login(rl)
    assert menu in client.get("/painel/").text
    assert menu in client.get(f"/parceiros/{parceiro.cnpj}/").text

    client.force_login(ri)  # quem preparou não assina
    assert "Assinaturas (" not in client.get("/painel/").text


def test_menu_sem_assinatura_pendente_nao_mostra_o_item(client, rl):
    client.force_login(rl)
    assert "Assinaturas (" not in client.get("/painel/").text
    client.logout()
    assert "Assinaturas (" not in client.get("/").text


def test_menu_esquece_a_contagem_quando_o_rl_assina_ou_a_solicitacao_volta(
    client, rl, ri, parceiro, django_capture_on_commit_callbacks
):
    from declaracoes import services as declaracoes

    solicitacao = _aguardando_assinatura_do(rl, ri, parceiro)
    client.force_login(rl)
    assert "Assinaturas (1)" in client.get("/painel/").text  # contagem no cache

    with django_capture_on_commit_callbacks(execute=True):
        declaracoes.assinar(solicitacao, ator=rl)
    assert "Assinaturas (" not in client.get("/painel/").text

    with django_capture_on_commit_callbacks(execute=True):  # entrar também esquece
        outra = _aguardando_assinatura_do(rl, ri, parceiro)
    assert "Assinaturas (1)" in client.get("/painel/").text
    with django_capture_on_commit_callbacks(execute=True):
        services.reabrir(outra, ator=ri)
    assert "Assinaturas (" not in client.get("/painel/").text


def test_menu_nao_custa_consulta_depois_da_primeira_pagina(
    client, rl, ri, parceiro, django_assert_max_num_queries
):
    _aguardando_assinatura_do(rl, ri, parceiro)
    client.force_login(rl)
    client.get("/consulta/")  # a primeira página conta e guarda

    with django_assert_max_num_queries(20) as consultas:
        assert "Assinaturas (1)" in client.get("/consulta/").text
    assert not [q for q in consultas.captured_queries if "declaracoes_declaracao" in q["sql"]]
