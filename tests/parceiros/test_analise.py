"""Análise (produto.md §3.6): acesso só do grupo Analista, fila com filtros e contagens,
``analise.decidir`` com as regras de cada decisão e a aplicação da mudança aprovada, e-mail da
decisão, concorrência entre dois analistas, página de decisão e ações do admin.

Todas as solicitações chegam a *em análise* pelo caminho real: assistente, envio para
assinatura, assinatura do RL e encaminhamento.
"""

import threading
import time as time_module
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Max
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Usuario
from cagec.core.models import EmailSaida, RegistroAuditoria
from declaracoes import services as declaracoes
from declaracoes.models import Declaracao
from declaracoes.selectors import declaracao_vigente
from parceiros import analise, selectors, services, situacao
from parceiros.models import (
    Documento,
    MotivoPadrao,
    Obrigacao,
    Parceiro,
    Solicitacao,
    TipoParceiro,
    TransicaoSolicitacao,
    Vinculo,
)
from parceiros.services import TransicaoInvalida
from tests.conftest import caminho, link_do_email
from tests.factories import (
    CNPJ_ALFANUMERICO,
    CNPJ_ASSOCIACAO,
    CNPJ_LIVRE,
    UsuarioFactory,
    pdf_pequeno,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]

S = Solicitacao.Status
T = Solicitacao.Tipo
P = Documento.Parecer
DOC = Documento.Status

CNDT = "Certidão Negativa de Débitos Trabalhistas - CNDT"  # data informada
CNPJ_DOC = "Inscrição no CNPJ"  # fim do mandato
DIPLOMA = "Diploma eleitoral e termo de posse do prefeito"  # credenciamento do RL (Município)
MANDATO = {"mandato_inicio": date(2025, 1, 1), "mandato_fim": date(2028, 12, 31)}


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
def outra_analista(db):
    pessoa = UsuarioFactory(aceitou_termo=True, is_staff=True, nome="Olga Analista")
    pessoa.groups.add(Group.objects.get(name="Analista"))
    return pessoa


@pytest.fixture
def equipe_sem_grupo(db):
    return UsuarioFactory(aceitou_termo=True, is_staff=True, nome="Edu Equipe")


# --- Solicitações pelo caminho real ------------------------------------------------------------
def validade():
    return timezone.localdate() + timedelta(days=180)


def anexar(solicitacao, pessoa, nome, **datas):
    obrigacao = selectors.obrigacoes_da_solicitacao(solicitacao).get(nome=nome)
    if obrigacao.regra_validade == Obrigacao.Regra.DATA_INFORMADA:
        datas.setdefault("data_validade", validade())
    arquivo = SimpleUploadedFile(f"{obrigacao.pk}.pdf", pdf_pequeno(nome))
    return services.anexar_documento(
        solicitacao, ator=pessoa, obrigacao=obrigacao, arquivo=arquivo, **datas
    )


def assinar(solicitacao):
    return declaracoes.assinar(
        solicitacao,
        ator=solicitacao.representante_legal,
        ip="200.10.20.30",
        user_agent="Navegador X",
    )


def enviar_e_assinar(solicitacao, solicitante):
    """Envia para assinatura e o RL assina: a assinatura encaminha para análise."""
    solicitacao = services.enviar_para_assinatura(solicitacao, ator=solicitante)
    assinar(solicitacao)
    return recarregar(solicitacao)


def para_analise(solicitacao, solicitante):
    return enviar_e_assinar(solicitacao, solicitante)


def entidade_privada():
    return TipoParceiro.objects.get(nome="Entidade Privada Sem Fins Lucrativos")


def inscricao(pessoa, cnpj=CNPJ_LIVRE, *, tipo=None, encaminhar=True):
    """Inscrição de Parceiro com a pessoa como RL e dois documentos (CNDT e CNPJ)."""
    solicitacao = services.iniciar_inscricao(cnpj, ator=pessoa)
    solicitacao = services.salvar_dados(
        solicitacao,
        ator=pessoa,
        tipo=tipo or entidade_privada(),
        site="https://valeverde.org.br",
        email_institucional="contato@valeverde.org.br",
        telefone="3132815500",
    )
    solicitacao = services.salvar_representante(
        solicitacao, ator=pessoa, representante=pessoa, cargo="Presidente", **MANDATO
    )
    anexar(solicitacao, pessoa, CNDT)
    anexar(solicitacao, pessoa, CNPJ_DOC)
    if not encaminhar:  # aguardando a assinatura do RL
        return services.enviar_para_assinatura(solicitacao, ator=pessoa)
    return para_analise(solicitacao, pessoa)


def atualizacao_de_documentos(pessoa, parceiro, *nomes):
    solicitacao = services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=pessoa)
    for nome in nomes or (CNDT,):
        anexar(solicitacao, pessoa, nome)
    return para_analise(solicitacao, pessoa)


def pedido_de_ri(pessoa, parceiro, *, encaminhar=True):
    solicitacao = services.iniciar_atualizacao(parceiro, T.INSCRICAO_RI, ator=pessoa)
    solicitacao = services.salvar_cargo_ri(solicitacao, ator=pessoa, cargo="Contador")
    if not encaminhar:  # aguardando a assinatura do RL
        return services.enviar_para_assinatura(solicitacao, ator=pessoa)
    return para_analise(solicitacao, pessoa)


def atualizacao_de_dados(pessoa, parceiro):
    solicitacao = services.iniciar_atualizacao(parceiro, T.DADOS, ator=pessoa)
    solicitacao = services.salvar_dados(
        solicitacao,
        ator=pessoa,
        site="https://novo.almas.mg.gov.br",
        email_institucional="gabinete@almas.mg.gov.br",
        telefone="3133334444",
    )
    return para_analise(solicitacao, pessoa)


def vinculacao(novo_rl, parceiro):
    solicitacao = services.iniciar_atualizacao(parceiro, T.VINCULACAO_RL, ator=novo_rl)
    solicitacao = services.salvar_representante(
        solicitacao,
        ator=novo_rl,
        representante=novo_rl,
        cargo="Prefeito",
        mandato_inicio=date(2026, 1, 1),
        mandato_fim=date(2030, 12, 31),
    )
    anexar(solicitacao, novo_rl, DIPLOMA)
    return para_analise(solicitacao, novo_rl)


def recarregar(objeto):
    return type(objeto).objects.get(pk=objeto.pk)


def documentos(solicitacao):
    """Os anexos que valem na solicitação (os trocados depois de uma devolução ficam de fora)."""
    return list(
        Documento.objects.filter(solicitacao=solicitacao)
        .exclude(status=DOC.SUBSTITUIDO)
        .order_by("pk")
    )


def decididas(solicitacao):
    return TransicaoSolicitacao.objects.filter(solicitacao=solicitacao, de=S.EM_ANALISE)


@pytest.fixture
def pedido(ri, rl, parceiro):
    """Atualização de documentos do RI (CNDT e CNPJ), assinada pelo RL, em análise."""
    return atualizacao_de_documentos(ri, parceiro, CNDT, CNPJ_DOC)


# --- Acesso ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("quem", ["rl", "ri", "outro_rl", "equipe_sem_grupo"])
def test_quem_nao_e_do_grupo_analista_recebe_404_na_fila_e_na_decisao(
    client, pedido, quem, request
):
    client.force_login(request.getfixturevalue(quem))

    assert client.get("/analise/").status_code == 404
    assert client.get(f"/analise/{pedido.pk}/").status_code == 404
    resposta = client.post(f"/analise/{pedido.pk}/", {"decisao": "aprovada"})
    assert resposta.status_code == 404
    assert recarregar(pedido).status == S.EM_ANALISE


def test_anonimo_e_mandado_para_entrar(client, pedido):
    for url in ["/analise/", f"/analise/{pedido.pk}/"]:
        resposta = client.get(url)
        assert resposta.status_code == 302
        assert resposta["Location"] == f"/entrar/?next={url}"
    client.post(f"/analise/{pedido.pk}/", {"decisao": "aprovada"})
    assert recarregar(pedido).status == S.EM_ANALISE


def test_membro_do_grupo_analista_abre_a_fila_e_a_decisao(client, analista, pedido, parceiro):
    client.force_login(analista)

    fila = client.get("/analise/")
    assert fila.status_code == 200
    assert f'href="/analise/{pedido.pk}/"' in fila.text
    decisao = client.get(f"/analise/{pedido.pk}/")
    assert decisao.status_code == 200
    assert parceiro.razao_social in decisao.text
    assert client.get("/analise/999999/").status_code == 404


# --- Fila -----------------------------------------------------------------------------------------
def _ids(resposta):
    return [s.pk for s in resposta.context["pagina"].object_list]


def _encaminhar_em(quando, solicitacao, pessoa):
    """O RL assina em ``quando``: a assinatura encaminha para análise (``enviada_em``)."""
    with time_machine.travel(quando, tick=False):
        assinar(solicitacao)
    return recarregar(solicitacao)


def test_fila_tem_so_as_em_analise_das_mais_antigas_para_as_mais_novas(
    client, analista, rl, ri, parceiro, usuario, outro_usuario
):
    services.iniciar_atualizacao(parceiro, T.DADOS, ator=rl)  # rascunho
    pedido_de_ri(outro_usuario, parceiro, encaminhar=False)  # aguardando assinatura
    decidida = atualizacao_de_documentos(rl, parceiro)
    analise.decidir(decidida, ator=analista, decisao=S.APROVADA)
    # criadas em uma ordem, encaminhadas em outra
    a = pedido_de_ri(usuario, parceiro, encaminhar=False)
    b = inscricao(rl, encaminhar=False)
    c = services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=ri)
    anexar(c, ri, CNDT)
    c = services.enviar_para_assinatura(c, ator=ri)
    agora = timezone.now()
    _encaminhar_em(agora + timedelta(minutes=3), a, usuario)
    _encaminhar_em(agora + timedelta(minutes=1), b, rl)
    _encaminhar_em(agora + timedelta(minutes=2), c, ri)

    client.force_login(analista)
    resposta = client.get("/analise/")

    assert _ids(resposta) == [b.pk, c.pk, a.pk]
    posicoes = [resposta.text.index(f'href="/analise/{s.pk}/"') for s in (b, c, a)]
    assert posicoes == sorted(posicoes)


@pytest.fixture
def fila_variada(rl, parceiro, outro_rl, usuario):
    """Inscrição (Tipo só no JSON), atualização do Município e pedido de RI da Associação."""
    associacao = Parceiro.objects.get(cnpj=CNPJ_ASSOCIACAO)
    return {
        "inscricao": inscricao(usuario, tipo=associacao.tipo),
        "municipio": atualizacao_de_documentos(rl, parceiro),
        "associacao": pedido_de_ri(rl, associacao),
    }


def test_fila_filtra_por_tipo_de_solicitacao(client, analista, fila_variada):
    client.force_login(analista)

    assert _ids(client.get("/analise/", {"tipo": "inscricao"})) == [fila_variada["inscricao"].pk]
    assert _ids(client.get("/analise/", {"tipo": "inscricao_ri"})) == [
        fila_variada["associacao"].pk
    ]
    assert _ids(client.get("/analise/", {"tipo": "vinculacao_rl"})) == []
    assert len(_ids(client.get("/analise/", {"tipo": ""}))) == 3


def test_fila_filtra_por_tipo_de_parceiro_da_inscricao_e_do_parceiro(
    client, analista, fila_variada, parceiro
):
    associacao = Parceiro.objects.get(cnpj=CNPJ_ASSOCIACAO)
    assert associacao.tipo != parceiro.tipo
    client.force_login(analista)

    do_tipo_da_associacao = client.get("/analise/", {"tipo_parceiro": associacao.tipo.pk})
    assert _ids(do_tipo_da_associacao) == [
        fila_variada["inscricao"].pk,
        fila_variada["associacao"].pk,
    ]
    assert associacao.tipo.nome in do_tipo_da_associacao.text
    do_municipio = client.get("/analise/", {"tipo_parceiro": parceiro.tipo.pk})
    assert _ids(do_municipio) == [fila_variada["municipio"].pk]


@pytest.mark.parametrize(
    "filtro",
    [
        {"tipo": "nao_existe"},
        {"tipo_parceiro": "abc"},
        {"tipo_parceiro": "999999"},
        {"idade": "1-9"},
        {"idade": "x-"},
        {"pagina": "abc"},
        {"pagina": "999"},
    ],
)
def test_filtro_invalido_na_fila_e_ignorado_sem_erro(client, analista, fila_variada, filtro):
    client.force_login(analista)
    resposta = client.get("/analise/", filtro)
    assert resposta.status_code == 200
    assert len(_ids(resposta)) == 3


def test_fila_mostra_a_contagem_por_tipo_de_solicitacao(client, analista, fila_variada, rl):
    pedido_de_ri(UsuarioFactory(), fila_variada["municipio"].parceiro)
    services.iniciar_atualizacao(fila_variada["municipio"].parceiro, T.DADOS, ator=rl)  # rascunho
    client.force_login(analista)

    resposta = client.get("/analise/", {"tipo": "inscricao"})  # filtro não muda a contagem

    contagem = {c["tipo"]: c["n"] for c in resposta.context["contagem"]}
    assert contagem == {
        "Inscrição de Parceiro/Convenente": 1,
        "Atualização de documentos": 1,
        "Inscrição como Responsável pelas Informações": 2,
    }
    assert "Inscrição como Responsável pelas Informações: 2" in resposta.text


def test_fila_filtra_pela_idade_em_dias_nos_limites_de_cada_faixa(
    client, analista, rl, parceiro, usuario
):
    # dia da consulta no futuro: a solicitação mais antiga ainda é enviada depois de criada
    dia = timezone.localdate() + timedelta(days=20)
    fuso = timezone.get_current_timezone()
    idades = (0, 2, 3, 7, 8, 15, 16)
    meio_dia = {i: datetime.combine(dia - timedelta(days=i), time(12), fuso) for i in idades}
    por_idade = {}
    for idade, quando in meio_dia.items():
        assinada = pedido_de_ri(usuario, parceiro, encaminhar=False)
        por_idade[idade] = _encaminhar_em(quando, assinada, usuario).pk
    faixas = {
        "0-2": [0, 2],
        "3-7": [3, 7],
        "8-15": [8, 15],
        "16-": [16],
        "": [16, 15, 8, 7, 3, 2, 0],
    }

    with time_machine.travel(datetime.combine(dia, time(18), fuso), tick=False):
        client.force_login(analista)
        for faixa, idades in faixas.items():
            resposta = client.get("/analise/", {"idade": faixa})
            assert _ids(resposta) == [por_idade[i] for i in sorted(idades, reverse=True)], faixa


def _sem_sessao(contexto):
    return [q["sql"] for q in contexto.captured_queries if "django_session" not in q["sql"]]


def test_fila_pagina_de_25_em_25_com_as_mesmas_consultas_para_3_e_40_solicitacoes(
    client, analista, rl, parceiro, usuario, django_capture_on_commit_callbacks
):
    pedidos = [
        inscricao(usuario),
        pedido_de_ri(usuario, parceiro),
        atualizacao_de_documentos(rl, parceiro),
    ]
    client.force_login(analista)
    client.get("/analise/")  # aquece caches de sessão e de tipos de conteúdo

    with CaptureQueriesContext(connection) as com_3:
        assert len(_ids(client.get("/analise/"))) == 3
    # Como em produção, cada envio para a análise esquece a contagem da fila (on_commit).
    with django_capture_on_commit_callbacks(execute=True):
        pedidos += [pedido_de_ri(usuario, parceiro) for _ in range(37)]
    client.get("/analise/")  # recalcula a contagem esquecida, como a medida com 3 já tinha
    with CaptureQueriesContext(connection) as com_40:
        primeira = client.get("/analise/")

    # a sessão fica fora da conta: no PostgreSQL+Redis ela vem do cache (sessão cached_db)
    assert len(_sem_sessao(com_40)) == len(_sem_sessao(com_3))
    assert len(_sem_sessao(com_40)) <= 8  # metas.md: páginas logadas com até 8 consultas
    # sem filtros, o total da paginação vem da contagem por tipo em cache: nenhum COUNT(*)
    assert not [q for q in _sem_sessao(com_40) if "COUNT(" in q.upper()]
    assert _ids(primeira) == [p.pk for p in pedidos[:25]]
    assert "Página 1 de 2" in primeira.text
    assert 'href="?&pagina=2"' in primeira.text
    segunda = client.get("/analise/", {"pagina": 2})
    assert _ids(segunda) == [p.pk for p in pedidos[25:]]
    filtrada = client.get("/analise/", {"tipo": "inscricao_ri", "pagina": 2})
    pedidos_de_ri = [p for p in pedidos if p.tipo == T.INSCRICAO_RI]
    assert _ids(filtrada) == [p.pk for p in pedidos_de_ri[25:]]
    assert 'href="?tipo=inscricao_ri&pagina=1"' in filtrada.text


# --- decidir: regras de cada decisão --------------------------------------------------------------
def _sem_efeito(solicitacao):
    solicitacao = recarregar(solicitacao)
    assert solicitacao.status == S.EM_ANALISE and solicitacao.motivo == ""
    assert not decididas(solicitacao).exists()
    assert {(d.status, d.parecer) for d in documentos(solicitacao)} == {(DOC.EM_ANALISE, "")}
    assert not EmailSaida.objects.filter(evento="solicitacao_decidida").exists()


@pytest.mark.parametrize("decisao", [S.APROVADA_PARCIALMENTE, S.DEVOLVIDA, S.REPROVADA])
@pytest.mark.parametrize("motivo", ["", "   \n "])
def test_motivo_e_obrigatorio_exceto_para_aprovada(pedido, analista, decisao, motivo):
    cndt, cnpj = documentos(pedido)
    pareceres = {cndt.pk: (P.APROVAR, ""), cnpj.pk: (P.REPROVAR, "Ilegível")}

    with pytest.raises(analise.DecisaoInvalida) as erro:
        analise.decidir(pedido, ator=analista, decisao=decisao, motivo=motivo, pareceres=pareceres)

    assert erro.value.messages == ["Informe o motivo da decisão."]
    _sem_efeito(pedido)


def test_aprovada_dispensa_motivo(pedido, analista):
    analise.decidir(pedido, ator=analista, decisao=S.APROVADA)
    assert recarregar(pedido).status == S.APROVADA


@pytest.mark.parametrize("decisao", [S.APROVADA_PARCIALMENTE, S.DEVOLVIDA, S.REPROVADA])
def test_documento_reprovado_exige_o_motivo_da_reprovacao(pedido, analista, decisao):
    cndt, cnpj = documentos(pedido)
    pareceres = {cndt.pk: (P.APROVAR, ""), cnpj.pk: (P.REPROVAR, "  ")}

    with pytest.raises(analise.DecisaoInvalida) as erro:
        analise.decidir(pedido, ator=analista, decisao=decisao, motivo="Veja", pareceres=pareceres)

    assert erro.value.messages == [f"Informe o motivo da reprovação de “{CNPJ_DOC}”."]
    _sem_efeito(pedido)


def test_aprovada_e_recusada_quando_ha_documento_reprovado(pedido, analista):
    cnpj = documentos(pedido)[1]

    with pytest.raises(analise.DecisaoInvalida) as erro:
        analise.decidir(
            pedido, ator=analista, decisao=S.APROVADA, pareceres={cnpj.pk: (P.REPROVAR, "Ilegível")}
        )

    assert erro.value.messages == [
        "Há documento reprovado: escolha Aprovada parcialmente, Devolvida ou Reprovada."
    ]
    _sem_efeito(pedido)


@pytest.mark.parametrize(
    "pareceres,mensagem",
    [
        (
            [P.APROVAR, P.APROVAR],
            "Aprovada parcialmente exige ao menos um documento aprovado e um reprovado.",
        ),
        (
            [P.REPROVAR, P.REPROVAR],
            "Aprovada parcialmente exige ao menos um documento aprovado e um reprovado.",
        ),
        (
            [P.APROVAR, ""],
            "Aprovada parcialmente exige ao menos um documento aprovado e um reprovado.",
        ),
    ],
    ids=["todos_aprovados", "todos_reprovados", "um_sem_parecer"],
)
def test_aprovada_parcialmente_exige_um_aprovado_e_um_reprovado(
    pedido, analista, pareceres, mensagem
):
    docs = documentos(pedido)
    por_documento = {
        d.pk: (parecer, "Ilegível" if parecer == P.REPROVAR else "")
        for d, parecer in zip(docs, pareceres, strict=True)
    }

    with pytest.raises(analise.DecisaoInvalida) as erro:
        analise.decidir(
            pedido,
            ator=analista,
            decisao=S.APROVADA_PARCIALMENTE,
            motivo="Parte",
            pareceres=por_documento,
        )

    assert mensagem in erro.value.messages
    _sem_efeito(pedido)


def test_aprovada_parcialmente_exige_parecer_em_todos_os_documentos(ri, rl, parceiro, analista):
    pedido = atualizacao_de_documentos(ri, parceiro, CNDT, CNPJ_DOC, DIPLOMA)
    cndt, cnpj, _diploma = documentos(pedido)
    pareceres = {cndt.pk: (P.APROVAR, ""), cnpj.pk: (P.REPROVAR, "Ilegível")}

    with pytest.raises(analise.DecisaoInvalida) as erro:
        analise.decidir(
            pedido,
            ator=analista,
            decisao=S.APROVADA_PARCIALMENTE,
            motivo="Parte",
            pareceres=pareceres,
        )

    assert erro.value.messages == ["Dê um parecer para cada documento."]
    _sem_efeito(pedido)


def test_decisao_desconhecida_e_recusada(pedido, analista):
    with pytest.raises(analise.DecisaoInvalida) as erro:
        analise.decidir(pedido, ator=analista, decisao=S.CANCELADA, motivo="Não")
    assert "Escolha uma decisão." in erro.value.messages
    _sem_efeito(pedido)


@pytest.mark.parametrize("status", [S.RASCUNHO, S.AGUARDANDO_ASSINATURA])
def test_so_se_decide_solicitacao_em_analise(rl, parceiro, analista, status):
    solicitacao = services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=rl)
    anexar(solicitacao, rl, CNDT)
    if status == S.AGUARDANDO_ASSINATURA:  # enviada, ainda sem a assinatura (que encaminharia)
        services.enviar_para_assinatura(solicitacao, ator=rl)

    with pytest.raises(TransicaoInvalida):
        analise.decidir(solicitacao, ator=analista, decisao=S.APROVADA)
    assert recarregar(solicitacao).status == status


# --- decidir: a mudança aprovada ------------------------------------------------------------------
def _auditado(acao, objeto, ator):
    return RegistroAuditoria.objects.filter(
        acao=acao, objeto_id=str(objeto.pk), objeto_tipo=objeto._meta.label_lower, ator=ator
    ).exists()


def test_aprovacao_da_inscricao_cria_parceiro_com_numero_seguinte_rl_e_pasta(
    usuario, parceiro, outro_rl, analista
):
    # Tipo reduzido às duas obrigatórias enviadas, para a situação poder virar Regular
    Obrigacao.objects.filter(tipos=entidade_privada(), obrigatoria=True).exclude(
        nome__in=[CNDT, CNPJ_DOC]
    ).update(ativa=False)
    pedido = inscricao(usuario)
    numero = Parceiro.objects.aggregate(m=Max("numero_cadastro"))["m"] + 1
    assert Parceiro.objects.filter(cnpj=CNPJ_LIVRE).count() == 0

    analise.decidir(pedido, ator=analista, decisao=S.APROVADA)

    novo = Parceiro.objects.get(cnpj=CNPJ_LIVRE)
    assert novo.numero_cadastro == numero
    assert novo.razao_social == "INSTITUTO CULTURAL VALE VERDE"
    assert novo.tipo == entidade_privada()
    assert (novo.site, novo.email_institucional, novo.telefone) == (
        "https://valeverde.org.br",
        "contato@valeverde.org.br",
        "3132815500",
    )
    assert recarregar(pedido).parceiro == novo
    vinculo = Vinculo.objects.get(parceiro=novo, ativo=True)
    assert (vinculo.usuario, vinculo.papel, vinculo.cargo) == (
        usuario,
        Vinculo.Papel.RL,
        "Presidente",
    )
    assert (vinculo.mandato_inicio, vinculo.mandato_fim) == (
        MANDATO["mandato_inicio"],
        MANDATO["mandato_fim"],
    )
    assert vinculo.criado_por == analista
    for d in documentos(pedido):
        assert (d.status, d.parceiro, d.parecer, d.analisado_por) == (
            DOC.APROVADO,
            novo,
            P.APROVAR,
            analista,
        )
    # situação recalculada com os documentos aprovados: cobrem as obrigatórias ativas
    assert novo.situacao == Parceiro.Situacao.REGULAR
    mudanca = novo.historico.get()
    assert (mudanca.para, mudanca.motivo) == (
        Parceiro.Situacao.REGULAR,
        f"Solicitação nº {pedido.pk} aprovada",
    )
    itens = {i.obrigacao.nome: i.status for i in situacao.itens(novo)}
    assert itens[CNDT] == itens[CNPJ_DOC] == situacao.StatusObrigacao.VIGENTE
    assert _auditado("parceiro.cadastrado", novo, analista)
    assert _auditado("vinculo.rl", vinculo, analista)
    assert _auditado("solicitacao.aprovada", pedido, analista)


def test_segunda_inscricao_aprovada_recebe_o_numero_seguinte(usuario, outro_usuario, analista):
    primeira = inscricao(usuario)
    analise.decidir(primeira, ator=analista, decisao=S.APROVADA)
    segunda = inscricao(outro_usuario, CNPJ_ALFANUMERICO)

    analise.decidir(segunda, ator=analista, decisao=S.APROVADA)

    numeros = [recarregar(s).parceiro.numero_cadastro for s in (primeira, segunda)]
    assert numeros[1] == numeros[0] + 1


def test_inscricao_de_cnpj_que_entrou_no_cagec_antes_nao_e_aprovada(
    usuario, outro_usuario, analista
):
    primeira = inscricao(usuario)
    segunda = inscricao(outro_usuario)
    analise.decidir(primeira, ator=analista, decisao=S.APROVADA)

    with pytest.raises(analise.DecisaoInvalida, match="já foi cadastrada"):
        analise.decidir(segunda, ator=analista, decisao=S.APROVADA)

    assert recarregar(segunda).status == S.EM_ANALISE
    assert Parceiro.objects.filter(cnpj=CNPJ_LIVRE).count() == 1
    analise.decidir(segunda, ator=analista, decisao=S.REPROVADA, motivo="Use a vinculação.")
    assert recarregar(segunda).status == S.REPROVADA


def test_aprovacao_substitui_o_documento_aprovado_anterior_da_mesma_obrigacao(
    rl, parceiro, analista
):
    primeiro = atualizacao_de_documentos(rl, parceiro, CNDT)
    analise.decidir(primeiro, ator=analista, decisao=S.APROVADA)
    antigo = documentos(primeiro)[0]
    segundo = atualizacao_de_documentos(rl, parceiro, CNDT)

    analise.decidir(segundo, ator=analista, decisao=S.APROVADA)

    novo = documentos(segundo)[0]
    antigo = recarregar(antigo)
    assert (antigo.status, antigo.parceiro) == (DOC.SUBSTITUIDO, parceiro)
    assert recarregar(novo).status == DOC.APROVADO
    item = next(i for i in situacao.itens(parceiro) if i.obrigacao.nome == CNDT)
    assert item.documento == novo
    historico = selectors.pasta_digital(parceiro, rl)["historico"]
    assert {antigo.pk, novo.pk} <= {d.pk for d in historico}  # o antigo fica no histórico
    assert Documento.objects.filter(parceiro=parceiro, status=DOC.APROVADO).count() == 1


def test_aprovacao_de_atualizacao_de_dados_atualiza_os_contatos(rl, parceiro, analista):
    pedido = atualizacao_de_dados(rl, parceiro)
    assert parceiro.site != "https://novo.almas.mg.gov.br"

    analise.decidir(pedido, ator=analista, decisao=S.APROVADA)

    parceiro = recarregar(parceiro)
    assert (parceiro.site, parceiro.email_institucional, parceiro.telefone) == (
        "https://novo.almas.mg.gov.br",
        "gabinete@almas.mg.gov.br",
        "3133334444",
    )
    assert _auditado("parceiro.alterado_pela_administracao", parceiro, analista)


def test_aprovacao_da_vinculacao_encerra_o_rl_anterior_e_cria_o_novo(
    rl, parceiro, outro_usuario, analista
):
    antigo = Vinculo.objects.get(parceiro=parceiro, papel=Vinculo.Papel.RL, ativo=True)
    pedido = vinculacao(outro_usuario, parceiro)

    analise.decidir(pedido, ator=analista, decisao=S.APROVADA)

    antigo = recarregar(antigo)
    assert not antigo.ativo and antigo.encerrado_em is not None
    assert antigo.encerrado_por == analista
    novo = Vinculo.objects.get(parceiro=parceiro, papel=Vinculo.Papel.RL, ativo=True)
    assert (novo.usuario, novo.cargo, novo.mandato_inicio, novo.mandato_fim) == (
        outro_usuario,
        "Prefeito",
        date(2026, 1, 1),
        date(2030, 12, 31),
    )
    assert selectors.rl_atual(parceiro) == outro_usuario
    assert documentos(pedido)[0].status == DOC.APROVADO
    diploma = next(i for i in situacao.itens(parceiro) if i.obrigacao.nome == DIPLOMA)
    assert diploma.vence_em == date(2030, 12, 31)  # vale até o fim do novo mandato


def test_aprovacao_da_inscricao_como_ri_cria_o_vinculo(usuario, rl, parceiro, analista):
    pedido = pedido_de_ri(usuario, parceiro)
    assert not Vinculo.objects.filter(parceiro=parceiro, usuario=usuario).exists()

    analise.decidir(pedido, ator=analista, decisao=S.APROVADA)

    vinculo = Vinculo.objects.get(parceiro=parceiro, usuario=usuario, ativo=True)
    assert (vinculo.papel, vinculo.cargo, vinculo.criado_por) == (
        Vinculo.Papel.RI,
        "Contador",
        analista,
    )
    assert _auditado("vinculo.ri_incluido", vinculo, analista)
    assert selectors.rl_atual(parceiro) == rl


def test_aprovada_parcialmente_aplica_so_os_documentos_aprovados(pedido, parceiro, analista):
    cndt, cnpj = documentos(pedido)
    pareceres = {cndt.pk: (P.APROVAR, ""), cnpj.pk: (P.REPROVAR, "Cópia ilegível")}

    analise.decidir(
        pedido,
        ator=analista,
        decisao=S.APROVADA_PARCIALMENTE,
        motivo="Em parte",
        pareceres=pareceres,
    )

    cndt, cnpj = documentos(pedido)
    assert (cndt.status, cndt.parceiro) == (DOC.APROVADO, parceiro)
    assert (cnpj.status, cnpj.motivo_reprovacao, cnpj.parecer) == (
        DOC.REPROVADO,
        "Cópia ilegível",
        P.REPROVAR,
    )
    itens = {i.obrigacao.nome: i for i in situacao.itens(parceiro)}
    assert itens[CNDT].documento == cndt
    assert itens[CNPJ_DOC].status == situacao.StatusObrigacao.PENDENTE
    assert recarregar(pedido).motivo == "Em parte"


def test_reprovada_reprova_todos_os_documentos_e_nao_muda_a_pasta(pedido, parceiro, analista):
    cnpj = documentos(pedido)[1]

    analise.decidir(
        pedido,
        ator=analista,
        decisao=S.REPROVADA,
        motivo="Documentos de outra organização.",
        pareceres={cnpj.pk: (P.REPROVAR, "CNPJ de outra organização")},
    )

    cndt, cnpj = documentos(pedido)
    assert (cndt.status, cndt.motivo_reprovacao) == (DOC.REPROVADO, "Solicitação reprovada.")
    assert (cnpj.status, cnpj.motivo_reprovacao) == (DOC.REPROVADO, "CNPJ de outra organização")
    assert not Documento.objects.filter(parceiro=parceiro, status=DOC.APROVADO).exists()


def test_devolvida_corrigida_e_assinada_de_novo_e_aprovada(pedido, ri, rl, parceiro, analista):
    antiga = declaracao_vigente(pedido)
    cndt, cnpj_antigo = documentos(pedido)
    analise.decidir(
        pedido,
        ator=analista,
        decisao=S.DEVOLVIDA,
        motivo="Corrija o comprovante de CNPJ.",
        pareceres={cnpj_antigo.pk: (P.REPROVAR, "Arquivo ilegível")},
    )
    pedido = recarregar(pedido)
    assert pedido.status == S.DEVOLVIDA and pedido.editavel
    assert declaracao_vigente(pedido) is None
    assert not Documento.objects.filter(parceiro=parceiro, status=DOC.APROVADO).exists()

    cnpj_novo = anexar(pedido, ri, CNPJ_DOC)  # o solicitante troca o arquivo
    assert [d.pk for d in documentos(pedido)] == [cndt.pk, cnpj_novo.pk]
    cnpj_antigo = recarregar(cnpj_antigo)  # o analisado fica no histórico, com o parecer
    assert (cnpj_antigo.status, cnpj_antigo.motivo_reprovacao) == (
        DOC.SUBSTITUIDO,
        "Arquivo ilegível",
    )
    pedido = services.enviar_para_assinatura(pedido, ator=ri)
    assert pedido.status == S.AGUARDANDO_ASSINATURA  # a assinatura antiga não vale
    assert declaracao_vigente(pedido) is None
    nova = assinar(pedido)  # a nova assinatura encaminha para análise
    assert nova.pk != antiga.pk
    assert recarregar(pedido).status == S.EM_ANALISE

    analise.decidir(pedido, ator=analista, decisao=S.APROVADA)

    assert recarregar(pedido).status == S.APROVADA
    aprovados = Documento.objects.filter(parceiro=parceiro, status=DOC.APROVADO)
    assert {d.obrigacao.nome for d in aprovados} == {CNDT, CNPJ_DOC}
    assert {d.pk for d in aprovados} == {cndt.pk, cnpj_novo.pk}
    assert recarregar(cnpj_antigo).status == DOC.SUBSTITUIDO
    assert Declaracao.objects.filter(solicitacao=pedido).count() == 2
    caminho_de_status = list(pedido.transicoes.values_list("para", flat=True))
    assert caminho_de_status == [
        S.RASCUNHO,
        S.AGUARDANDO_ASSINATURA,
        S.EM_ANALISE,
        S.DEVOLVIDA,
        S.AGUARDANDO_ASSINATURA,
        S.EM_ANALISE,
        S.APROVADA,
    ]


def test_devolvida_guarda_o_motivo_de_cada_documento_reprovado(client, pedido, ri, analista):
    cnpj = documentos(pedido)[1]

    analise.decidir(
        pedido,
        ator=analista,
        decisao=S.DEVOLVIDA,
        motivo="Corrija o comprovante de CNPJ.",
        pareceres={cnpj.pk: (P.REPROVAR, "Arquivo ilegível")},
    )

    cnpj = recarregar(cnpj)
    assert (cnpj.parecer, cnpj.motivo_reprovacao, cnpj.analisado_por) == (
        P.REPROVAR,
        "Arquivo ilegível",
        analista,
    )
    client.force_login(ri)
    assert "Arquivo ilegível" in client.get(f"/solicitacoes/{pedido.pk}/").text


DECISOES = {
    S.APROVADA: ({}, "Documentos conferidos."),
    S.APROVADA_PARCIALMENTE: ({0: (P.APROVAR, ""), 1: (P.REPROVAR, "Cópia ilegível")}, "Em parte."),
    S.DEVOLVIDA: ({1: (P.REPROVAR, "Cópia ilegível")}, "Corrija o comprovante."),
    S.REPROVADA: ({1: (P.REPROVAR, "Cópia ilegível")}, "Documentos falsos."),
}


@pytest.mark.parametrize("decisao", list(DECISOES), ids=[d.value for d in DECISOES])
def test_cada_decisao_grava_transicao_e_auditoria_e_avisa_solicitante_e_rl_com_os_motivos(
    pedido, ri, rl, analista, decisao, mailoutbox, django_capture_on_commit_callbacks
):
    docs = documentos(pedido)
    por_posicao, motivo = DECISOES[decisao]
    pareceres = {docs[i].pk: parecer for i, parecer in por_posicao.items()}
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        analise.decidir(pedido, ator=analista, decisao=decisao, motivo=motivo, pareceres=pareceres)

    transicao = decididas(pedido).get()
    assert (transicao.para, transicao.usuario, transicao.motivo) == (decisao, analista, motivo)
    assert _auditado(f"solicitacao.{decisao}", pedido, analista)
    enviados = EmailSaida.objects.filter(evento="solicitacao_decidida")
    assert sorted(e.destinatario for e in enviados) == sorted([ri.email, rl.email])
    for email in enviados:
        texto = email.corpo_texto
        assert f"Decisão: {S(decisao).label.upper()}" in texto
        assert f"Motivo: {motivo}" in texto
        assert S(decisao).label.lower() in email.assunto
        assert motivo in email.corpo_html
        if por_posicao.get(1):
            assert f"- {CNPJ_DOC}: Cópia ilegível" in texto
            assert f"<li>{CNPJ_DOC}: Cópia ilegível</li>" in email.corpo_html
        else:
            assert "Documentos reprovados" not in texto
        assert caminho(link_do_email(email, "/solicitacoes/")) == f"/solicitacoes/{pedido.pk}/"
    assert sorted(m.to[0] for m in mailoutbox) == sorted([ri.email, rl.email])


def test_solicitante_que_e_o_rl_recebe_um_so_email_da_decisao(rl, parceiro, analista):
    pedido = atualizacao_de_documentos(rl, parceiro)
    analise.decidir(pedido, ator=analista, decisao=S.APROVADA)
    assert EmailSaida.objects.filter(evento="solicitacao_decidida").count() == 1


# --- Dois analistas ao mesmo tempo ----------------------------------------------------------------
SO_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concorrência real só no PostgreSQL (o SQLite trava o banco inteiro)",
)


@SO_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_dois_analistas_decidindo_ao_mesmo_tempo_so_um_vence_no_postgresql():
    from tests.factories import parceiro_com_rl

    rl = UsuarioFactory(aceitou_termo=True)
    parceiro = parceiro_com_rl(rl)
    pedido = atualizacao_de_documentos(rl, parceiro, CNDT)
    grupo = Group.objects.get(name="Analista")
    analistas = [UsuarioFactory(is_staff=True), UsuarioFactory(is_staff=True)]
    grupo.user_set.add(*analistas)
    decisoes = {analistas[0].pk: S.APROVADA, analistas[1].pk: S.REPROVADA}
    largada = threading.Barrier(2)
    resultados = {}

    def decidir(pessoa):
        try:
            largada.wait(timeout=10)
            analise.decidir(pedido, ator=pessoa, decisao=decisoes[pessoa.pk], motivo="Conferido.")
            resultados[pessoa.pk] = "ok"
        except Exception as erro:  # noqa: BLE001 — o teste confere o tipo de falha
            resultados[pessoa.pk] = erro
        finally:
            connection.close()

    threads = [threading.Thread(target=decidir, args=(p,)) for p in analistas]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)

    vencedores = [pk for pk, r in resultados.items() if r == "ok"]
    perdedores = [r for r in resultados.values() if r != "ok"]
    assert len(vencedores) == 1 and len(perdedores) == 1, resultados
    assert isinstance(perdedores[0], TransicaoInvalida), resultados
    assert "já foi decidida por outra pessoa" in str(perdedores[0])
    pedido = recarregar(pedido)
    assert pedido.status == decisoes[vencedores[0]]
    assert decididas(pedido).count() == 1
    assert decididas(pedido).get().usuario_id == vencedores[0]
    assert EmailSaida.objects.filter(evento="solicitacao_decidida").count() == 1


@SO_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_duas_inscricoes_aprovadas_ao_mesmo_tempo_recebem_numeros_seguidos_no_postgresql(
    monkeypatch,
):
    from tests.factories import parceiro_com_rl

    parceiro_com_rl(UsuarioFactory(aceitou_termo=True))  # número de cadastro 1
    pedidos = [
        inscricao(UsuarioFactory(aceitou_termo=True), cnpj)
        for cnpj in (CNPJ_LIVRE, CNPJ_ALFANUMERICO)
    ]
    analistas = [UsuarioFactory(is_staff=True), UsuarioFactory(is_staff=True)]
    # Alarga a janela entre ler o maior número e gravar o novo (segurando a trava), para que
    # a corrida aconteça sempre e não só às vezes.
    registrar = services.registrar

    def registrar_devagar(acao, **dados):
        if acao == "parceiro.cadastrado":
            time_module.sleep(0.3)
        return registrar(acao, **dados)

    monkeypatch.setattr(services, "registrar", registrar_devagar)
    largada = threading.Barrier(2)
    resultados = {}

    def aprovar(pedido, pessoa):
        try:
            largada.wait(timeout=10)
            analise.decidir(pedido, ator=pessoa, decisao=S.APROVADA)
            resultados[pedido.pk] = "ok"
        except Exception as erro:  # noqa: BLE001 — o teste confere o tipo de falha
            resultados[pedido.pk] = erro
        finally:
            connection.close()

    threads = [
        threading.Thread(target=aprovar, args=par) for par in zip(pedidos, analistas, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)

    assert list(resultados.values()) == ["ok", "ok"], resultados
    numeros = sorted(recarregar(p).parceiro.numero_cadastro for p in pedidos)
    assert numeros == [2, 3]


# --- Página de decisão ----------------------------------------------------------------------------
def test_decidir_pela_pagina_e_o_segundo_envio_e_avisado_que_ja_foi_decidida(
    client, pedido, analista, outra_analista
):
    cndt, cnpj = documentos(pedido)
    client.force_login(analista)
    assert client.get(f"/analise/{pedido.pk}/").status_code == 200
    outra = Client()
    outra.force_login(outra_analista)

    resposta = outra.post(
        f"/analise/{pedido.pk}/",
        {
            "decisao": "aprovada_parcialmente",
            "motivo": "Em parte.",
            f"parecer_{cndt.pk}": "aprovar",
            f"parecer_{cnpj.pk}": "reprovar",
            f"motivo_{cnpj.pk}": "Cópia ilegível",
        },
        follow=True,
    )
    assert resposta.redirect_chain == [("/analise/", 302)]
    assert f"Decisão registrada: solicitação nº {pedido.pk}." in resposta.text
    assert (recarregar(cndt).status, recarregar(cnpj).status) == (DOC.APROVADO, DOC.REPROVADO)

    atrasada = client.post(
        f"/analise/{pedido.pk}/", {"decisao": "reprovada", "motivo": "Não"}, follow=True
    )

    assert atrasada.redirect_chain == [("/analise/", 302)]
    assert "Esta solicitação já foi decidida por outra pessoa (aprovada parcialmente)" in (
        atrasada.text
    )
    assert recarregar(pedido).status == S.APROVADA_PARCIALMENTE
    assert decididas(pedido).count() == 1


def test_decisao_invalida_na_pagina_mostra_o_erro_e_nao_muda_nada(client, pedido, analista):
    cnpj = documentos(pedido)[1]
    client.force_login(analista)

    resposta = client.post(
        f"/analise/{pedido.pk}/",
        {"decisao": "devolvida", "motivo": "", f"parecer_{cnpj.pk}": "reprovar"},
    )

    assert resposta.status_code == 200
    assert "Informe o motivo da decisão." in resposta.text
    assert f"Informe o motivo da reprovação de “{CNPJ_DOC}”." in resposta.text
    _sem_efeito(pedido)


def test_pagina_de_decisao_mostra_documentos_declaracao_e_linha_do_tempo(
    client, pedido, ri, rl, analista
):
    declaracao = declaracao_vigente(pedido)
    client.force_login(analista)

    texto = client.get(f"/analise/{pedido.pk}/").text

    for d in documentos(pedido):
        assert f'href="/documentos/{d.pk}/"' in texto
        assert d.obrigacao.nome in texto and d.nome_original in texto
    assert f"vence em {validade():%d/%m/%Y}" in texto
    assert "vale até o fim do mandato" in texto
    # evidências da assinatura
    assert declaracao.signatario_nome == rl.nome and rl.nome in texto
    assert "IP 200.10.20.30" in texto and "Navegador X" in texto
    assert declaracao.sha256_texto in texto
    assert declaracao.codigo_formatado in texto
    assert f'href="/declaracoes/{declaracao.pk}/pdf/"' in texto
    assert client.get(f"/declaracoes/{declaracao.pk}/pdf/").status_code == 200
    assert client.get(f"/documentos/{documentos(pedido)[0].pk}/").status_code == 200
    # linha do tempo
    assert f"{ri.nome} criou a solicitação." in texto
    assert f"{rl.nome} assinou a declaração de autenticidade." in texto
    # a assinatura da RL encaminha para análise
    assert f"{rl.nome} mudou de “Aguardando assinatura” para “Em análise”." in texto
    assert rl.cpf not in texto


def test_pagina_de_decisao_mostra_o_que_muda_nos_dados(client, rl, parceiro, analista):
    pedido = atualizacao_de_dados(rl, parceiro)
    client.force_login(analista)

    resposta = client.get(f"/analise/{pedido.pk}/")

    diferencas = {d["campo"]: (d["antes"], d["depois"]) for d in resposta.context["diferencas"]}
    assert diferencas["Endereço internet (site)"] == (parceiro.site, "https://novo.almas.mg.gov.br")
    assert diferencas["Telefone"][1] == "(31) 3333-4444"
    assert "O que muda em relação ao cadastro atual" in resposta.text
    assert "https://novo.almas.mg.gov.br" in resposta.text


def test_motivo_padrao_escolhido_entra_no_motivo_e_no_email(client, pedido, analista):
    """Sem JavaScript, o motivo padrão volta na caixa Motivo (antes do texto digitado) para
    conferir; o envio seguinte registra o texto da caixa, como a pessoa o viu (#13, item 8)."""
    inativo = MotivoPadrao.objects.create(titulo="Motivo aposentado", texto="Antigo", ativo=False)
    ilegivel = MotivoPadrao.objects.get(titulo="Documento ilegível")
    client.force_login(analista)

    pagina = client.get(f"/analise/{pedido.pk}/").text
    for titulo in MotivoPadrao.objects.filter(ativo=True).values_list("titulo", flat=True):
        assert titulo in pagina
    assert inativo.titulo not in pagina

    envio = {"decisao": "devolvida", "modelo": ilegivel.pk, "motivo": "Veja a página 2."}
    conferir = client.post(f"/analise/{pedido.pk}/", envio)
    esperado = f"{ilegivel.texto}\nVeja a página 2."
    assert conferir.status_code == 200
    assert conferir.context["form"]["motivo"].value() == esperado
    assert recarregar(pedido).status == S.EM_ANALISE
    client.post(
        f"/analise/{pedido.pk}/",
        {**envio, "motivo": esperado, "modelo_conferido": str(ilegivel.pk)},
    )

    assert recarregar(pedido).motivo == esperado
    assert decididas(pedido).get().motivo == esperado
    email = EmailSaida.objects.filter(evento="solicitacao_decidida").first()
    assert ilegivel.texto in email.corpo_texto and "Veja a página 2." in email.corpo_texto


def test_so_o_motivo_padrao_basta_como_motivo(client, pedido, analista):
    vencido = MotivoPadrao.objects.get(titulo="Documento vencido")
    client.force_login(analista)

    conferir = client.post(f"/analise/{pedido.pk}/", {"decisao": "reprovada", "modelo": vencido.pk})
    assert conferir.status_code == 200 and recarregar(pedido).status == S.EM_ANALISE
    client.post(
        f"/analise/{pedido.pk}/",
        {
            "decisao": "reprovada",
            "modelo": vencido.pk,
            "modelo_conferido": str(vencido.pk),
            "motivo": conferir.context["form"]["motivo"].value(),
        },
    )

    pedido = recarregar(pedido)
    assert (pedido.status, pedido.motivo) == (S.REPROVADA, vencido.texto)


# --- Admin ----------------------------------------------------------------------------------------
@pytest.fixture
def admin_client(client, db):
    client.force_login(UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True))
    return client


def test_acao_do_admin_recalcula_a_situacao_dos_parceiros_selecionados(
    admin_client, parceiro, outro_rl
):
    associacao = Parceiro.objects.get(cnpj=CNPJ_ASSOCIACAO)
    # sem obrigações ativas nos dois Tipos, os dois passam a ser Regulares ao recalcular
    Obrigacao.objects.filter(tipos__in=[parceiro.tipo, associacao.tipo]).update(ativa=False)

    resposta = admin_client.post(
        "/admin/parceiros/parceiro/",
        {"action": "recalcular_situacao", "_selected_action": [parceiro.pk]},
        follow=True,
    )

    assert "Situação recalculada: 1 parceiro(s)." in resposta.text
    assert recarregar(parceiro).situacao == Parceiro.Situacao.REGULAR
    assert recarregar(associacao).situacao == Parceiro.Situacao.IRREGULAR  # não selecionado
    mudanca = parceiro.historico.get()
    nome = resposta.wsgi_request.user.nome
    assert mudanca.motivo == f"Recálculo pedido por {nome}"


def test_acao_do_admin_revoga_declaracao_pedindo_o_motivo(admin_client, pedido):
    declaracao = declaracao_vigente(pedido)
    url = "/admin/declaracoes/declaracao/"
    selecao = {"action": "revogar", "_selected_action": [declaracao.pk]}

    pergunta = admin_client.post(url, selecao)
    assert pergunta.status_code == 200
    assert "Motivo da revogação" in pergunta.text
    sem_motivo = admin_client.post(url, {**selecao, "confirmar": "1", "motivo": "  "})
    assert sem_motivo.status_code == 200
    assert recarregar(declaracao).revogada_em is None

    feita = admin_client.post(
        url, {**selecao, "confirmar": "1", "motivo": "Assinada por engano"}, follow=True
    )

    assert "1 declaração(ões) revogada(s)." in feita.text
    declaracao = recarregar(declaracao)
    assert declaracao.revogada_em is not None
    assert declaracao.motivo_revogacao == "Assinada por engano"
    assert declaracao.revogada_por == feita.wsgi_request.user
    assert _auditado("declaracao.revogada", declaracao, feita.wsgi_request.user)
