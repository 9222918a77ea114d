"""Segurança da análise e da pasta digital (issue #11, itens 1 e 15).

Item 1: ninguém decide (nem vê como decidível na fila) uma solicitação em que é parte: quem
a fez, o RL indicado nela, ou um RL/RI ativo do Parceiro. A regra é uma anotação só
(``permissions.anotar_conflito``), usada pela fila, pela página de decisão e pelo serviço.

Item 15: quem começa uma vinculação (ou um pedido de RI) ainda não tem vínculo e não vê a
pasta digital do Parceiro: nem nomes nem datas dos documentos, nem o CPF do RL atual.
"""

import pytest
from django.contrib.auth.models import Group

from accounts.models import Usuario
from cagec.core.models import RegistroAuditoria, acao_legivel
from parceiros import analise, permissions, services
from parceiros.models import Documento, Parceiro, Solicitacao
from tests.factories import CNPJ_ASSOCIACAO, UsuarioFactory
from tests.parceiros.test_analise import (
    CNDT,
    CNPJ_DOC,
    DIPLOMA,
    MANDATO,
    anexar,
    assinar,
    atualizacao_de_documentos,
    inscricao,
    recarregar,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]

S = Solicitacao.Status
T = Solicitacao.Tipo


@pytest.fixture(autouse=True)
def _pdf_rapido(monkeypatch):
    """A assinatura gera um PDF; aqui ele não importa (o PDF é testado em declaracoes)."""
    from cagec.lib import pdf

    monkeypatch.setattr(pdf, "renderizar_pdf", lambda *a, **k: b"%PDF-1.7\n% teste\n")


def _analista(nome, **campos):
    pessoa = UsuarioFactory(aceitou_termo=True, is_staff=True, nome=nome, **campos)
    pessoa.groups.add(Group.objects.get(name="Analista"))
    return Usuario.objects.get(pk=pessoa.pk)


@pytest.fixture
def analista(db):
    return _analista("Ana Analista")


# --- Item 15: a pasta digital só para quem tem vínculo e para a equipe -------------------------
@pytest.fixture
def pasta(rl, parceiro, analista):
    """Pasta do Município com o diploma e o CNPJ aprovados (vencem no fim do mandato)."""
    pedido = atualizacao_de_documentos(rl, parceiro, DIPLOMA, CNPJ_DOC)
    analise.decidir(pedido, ator=analista, decisao=S.APROVADA)
    return list(Documento.objects.filter(parceiro=parceiro, status=Documento.Status.APROVADO))


def _passo(client, solicitacao, passo):
    resposta = client.get(f"/solicitacoes/{solicitacao.pk}/{passo}/")
    assert resposta.status_code == 200
    return resposta.content.decode()


def test_estranho_que_pede_vinculacao_nao_ve_os_documentos_da_pasta(client, parceiro, pasta):
    estranho = UsuarioFactory(aceitou_termo=True, nome="Edu Estranho")
    solicitacao = services.iniciar_atualizacao(parceiro, T.VINCULACAO_RL, ator=estranho)
    client.force_login(estranho)

    pagina = _passo(client, solicitacao, "documentos")

    assert DIPLOMA in pagina  # a checklist do credenciamento continua lá
    assert "Na pasta digital" not in pagina
    for documento in pasta:
        assert documento.nome_original not in pagina


def test_quem_tem_vinculo_ve_os_documentos_da_pasta_na_checklist(client, parceiro, pasta, ri):
    solicitacao = services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=ri)
    client.force_login(ri)

    pagina = _passo(client, solicitacao, "documentos")

    for documento in pasta:
        assert f"Na pasta digital: {documento.nome_original}" in pagina


def test_estranho_que_pede_vinculacao_nao_recebe_o_cpf_do_rl_atual(client, rl, parceiro):
    estranho = UsuarioFactory(aceitou_termo=True, nome="Edu Estranho")
    solicitacao = services.iniciar_atualizacao(parceiro, T.VINCULACAO_RL, ator=estranho)
    client.force_login(estranho)

    pagina = _passo(client, solicitacao, "representante")

    assert rl.cpf_formatado not in pagina and rl.cpf not in pagina


def test_estranho_que_pede_para_ser_ri_nao_ve_o_que_falta_na_pasta(client, rl, parceiro, ri):
    estranho = UsuarioFactory(aceitou_termo=True, nome="Edu Estranho")
    pedido = services.iniciar_atualizacao(parceiro, T.INSCRICAO_RI, ator=estranho)
    atualizacao = services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=ri)

    client.force_login(estranho)
    pagina_do_estranho = _passo(client, pedido, "revisao")
    client.force_login(ri)
    pagina_do_ri = _passo(client, atualizacao, "revisao")

    assert "Itens obrigatórios ainda sem documento" in pagina_do_ri
    assert "Itens obrigatórios ainda sem documento" not in pagina_do_estranho
    assert CNDT not in pagina_do_estranho


@pytest.mark.parametrize(
    ("quem", "ve"),
    [("rl", True), ("ri", True), ("analista", True), ("outro_rl", False), ("usuario", False)],
)
def test_regra_da_pasta_vinculo_ativo_ou_equipe(request, parceiro, ri, quem, ve):
    assert permissions.ve_a_pasta(request.getfixturevalue(quem), parceiro.pk) is ve


def test_ri_removido_deixa_de_ver_a_pasta(rl, parceiro, ri):
    vinculo = parceiro.vinculos.get(usuario=ri, ativo=True)
    services.remover_responsavel(vinculo, ator=rl)
    assert not permissions.ve_a_pasta(ri, parceiro.pk)


# --- Item 1: separação de funções na análise ----------------------------------------------------
RECUSA = "solicitacao.decisao_recusada_conflito"


@pytest.fixture
def outra_analista(db):
    return _analista("Olga Analista")


def _pedida_pela_analista(analista, **_):
    """Inscrição feita pela própria analista (ela é a solicitante e a RL indicada)."""
    return inscricao(analista)


def _com_a_analista_como_rl_indicada(analista, parceiro, **_):
    """Vinculação feita por outra pessoa, que indica a analista como a nova RL."""
    pessoa = UsuarioFactory(aceitou_termo=True, nome="Pedro Pedinte")
    solicitacao = services.iniciar_atualizacao(parceiro, T.VINCULACAO_RL, ator=pessoa)
    solicitacao = services.salvar_representante(
        solicitacao, ator=pessoa, representante=analista, cargo="Prefeita", **MANDATO
    )
    anexar(solicitacao, pessoa, DIPLOMA)
    solicitacao = services.enviar_para_assinatura(solicitacao, ator=pessoa)
    assinar(solicitacao)  # a assinatura do RL encaminha para análise
    return Solicitacao.objects.get(pk=solicitacao.pk)


def _da_organizacao_em_que_a_analista_e_ri(analista, parceiro, rl):
    """Atualização de documentos do RL; a analista é RI ativa do mesmo Parceiro."""
    services.incluir_responsavel(parceiro, analista, ator=rl, cargo="Assessora")
    return atualizacao_de_documentos(rl, parceiro, CNDT)


CASOS = {
    "solicitante": (_pedida_pela_analista, permissions.CONFLITO_SOLICITANTE),
    "rl_indicada": (_com_a_analista_como_rl_indicada, permissions.CONFLITO_REPRESENTANTE),
    "ri_ativa": (_da_organizacao_em_que_a_analista_e_ri, permissions.CONFLITO_VINCULO),
}


@pytest.fixture(params=sorted(CASOS))
def caso(request, analista, parceiro, rl):
    montar, motivo = CASOS[request.param]
    return montar(analista, parceiro=parceiro, rl=rl), motivo


def test_servico_recusa_quem_e_parte_da_solicitacao_e_audita(caso, analista, outra_analista):
    solicitacao, motivo = caso

    with pytest.raises(services.ConflitoDeInteresse) as erro:
        analise.decidir(solicitacao, ator=analista, decisao=S.APROVADA, ip="10.0.0.1")

    assert motivo in str(erro.value) and "Outra pessoa da análise" in str(erro.value)
    assert recarregar(solicitacao).status == S.EM_ANALISE
    registro = RegistroAuditoria.objects.get(acao=RECUSA)
    assert (registro.ator, registro.objeto_id, registro.descricao) == (
        analista,
        str(solicitacao.pk),
        motivo,
    )
    assert str(registro.ip) == "10.0.0.1"
    # Quem não é parte decide normalmente.
    analise.decidir(solicitacao, ator=outra_analista, decisao=S.REPROVADA, motivo="Incompleta.")
    assert recarregar(solicitacao).status == S.REPROVADA


def test_superusuaria_parte_da_solicitacao_tambem_e_recusada(rl, parceiro):
    chefe = _analista("Clara Chefe", is_superuser=True)
    solicitacao = _da_organizacao_em_que_a_analista_e_ri(chefe, parceiro, rl)
    with pytest.raises(services.ConflitoDeInteresse):
        analise.decidir(solicitacao, ator=chefe, decisao=S.APROVADA)
    assert recarregar(solicitacao).status == S.EM_ANALISE


def test_fila_mostra_a_solicitacao_em_conflito_sem_link_e_com_o_motivo(
    client, caso, analista, outra_analista, outro_rl
):
    solicitacao, motivo = caso
    associacao = Parceiro.objects.get(cnpj=CNPJ_ASSOCIACAO)
    livre = atualizacao_de_documentos(outro_rl, associacao, CNDT)  # nada a ver com a analista
    client.force_login(analista)

    pagina = client.get("/analise/").content.decode()

    assert f'href="/analise/{livre.pk}/"' in pagina
    assert f'href="/analise/{solicitacao.pk}/"' not in pagina
    assert motivo in pagina and 'class="table-secondary' in pagina
    client.force_login(outra_analista)
    assert f'href="/analise/{solicitacao.pk}/"' in client.get("/analise/").content.decode()


def test_pagina_de_decisao_explica_e_nao_oferece_a_decisao(client, caso, analista):
    solicitacao, motivo = caso
    client.force_login(analista)

    pagina = client.get(f"/analise/{solicitacao.pk}/").content.decode()

    assert "Você não pode decidir esta solicitação." in pagina and motivo in pagina
    assert "Registrar decisão" not in pagina and 'name="decisao"' not in pagina


@pytest.mark.parametrize("dados", [{"decisao": "aprovada"}, {}], ids=["valido", "incompleto"])
def test_post_de_quem_e_parte_e_recusado_com_mensagem_e_auditado(client, caso, analista, dados):
    solicitacao, motivo = caso
    client.force_login(analista)

    resposta = client.post(f"/analise/{solicitacao.pk}/", dados, follow=True)

    assert resposta.redirect_chain[-1][0] == "/analise/"
    assert f"Você não pode decidir a solicitação nº {solicitacao.pk}" in resposta.content.decode()
    assert recarregar(solicitacao).status == S.EM_ANALISE
    assert RegistroAuditoria.objects.filter(acao=RECUSA, ator=analista).count() == 1


def test_ri_removida_volta_a_poder_decidir(analista, parceiro, rl):
    solicitacao = _da_organizacao_em_que_a_analista_e_ri(analista, parceiro, rl)
    services.remover_responsavel(parceiro.vinculos.get(usuario=analista, ativo=True), ator=rl)
    assert permissions.conflito_de_interesse(solicitacao, analista) == ""
    analise.decidir(solicitacao, ator=analista, decisao=S.APROVADA)
    assert recarregar(solicitacao).status == S.APROVADA


def test_recusa_tem_rotulo_em_portugues():
    assert acao_legivel(RECUSA) != RECUSA


def test_admin_nao_tem_caminho_para_decidir_ou_alterar_solicitacao(rf, caso):
    """Toda decisão passa por ``analise.decidir``: o admin da solicitação é só leitura."""
    from django.contrib import admin

    chefe = _analista("Clara Chefe", is_superuser=True)
    request = rf.get("/admin/parceiros/solicitacao/")
    request.user = chefe
    modelo_admin = admin.site._registry[Solicitacao]
    assert not modelo_admin.get_actions(request)
    assert not modelo_admin.has_change_permission(request, caso[0])
    assert not modelo_admin.has_add_permission(request)


# A mesma separação de funções no cadastro do Parceiro: RL ou RI ativo não altera os campos
# mantidos pelo Estado (CADIN-MG, SIAFI-MG, impedimento, MROSC), nem pelo admin.
def test_analista_ri_da_organizacao_so_ve_o_parceiro_no_admin(client, analista, parceiro, rl):
    services.incluir_responsavel(parceiro, analista, ator=rl, cargo="Assessora")
    client.force_login(analista)
    url = f"/admin/parceiros/parceiro/{parceiro.pk}/change/"

    pagina = client.get(url)
    resposta = client.post(url, {"cadin_bloqueado": "", "motivo_impedimento": "Nenhum"})

    assert pagina.status_code == 200
    assert 'name="cadin_bloqueado"' not in pagina.content.decode()
    assert services.CONFLITO_NO_PARCEIRO in pagina.content.decode()
    assert resposta.status_code == 403
    assert recarregar(parceiro).motivo_impedimento == ""


def test_servico_recusa_alteracao_pelo_rl_ou_ri_da_organizacao_e_audita(
    analista, parceiro, rl, outra_analista
):
    services.incluir_responsavel(parceiro, analista, ator=rl, cargo="Assessora")

    with pytest.raises(services.ConflitoDeInteresse):
        services.alterar_pela_administracao(
            parceiro, ator=analista, ip="10.0.0.2", siafi_bloqueado=True
        )

    assert not recarregar(parceiro).siafi_bloqueado
    registro = RegistroAuditoria.objects.get(acao="parceiro.alteracao_recusada_conflito")
    assert registro.ator == analista and "siafi_bloqueado" in registro.descricao
    services.alterar_pela_administracao(parceiro, ator=outra_analista, siafi_bloqueado=True)
    assert recarregar(parceiro).siafi_bloqueado
