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
from parceiros import analise, permissions, services
from parceiros.models import Documento, Solicitacao
from tests.factories import UsuarioFactory
from tests.parceiros.test_analise import (
    CNDT,
    CNPJ_DOC,
    DIPLOMA,
    atualizacao_de_documentos,
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
    analise.decidir(pedido, analista, decisao=S.APROVADA)
    return list(Documento.objects.filter(parceiro=parceiro, status=Documento.Status.APROVADO))


def _passo(client, solicitacao, passo):
    resposta = client.get(f"/solicitacoes/{solicitacao.pk}/{passo}/")
    assert resposta.status_code == 200
    return resposta.content.decode()


def test_estranho_que_pede_vinculacao_nao_ve_os_documentos_da_pasta(client, parceiro, pasta):
    estranho = UsuarioFactory(aceitou_termo=True, nome="Edu Estranho")
    solicitacao = services.iniciar_atualizacao(estranho, parceiro, T.VINCULACAO_RL)
    client.force_login(estranho)

    pagina = _passo(client, solicitacao, "documentos")

    assert DIPLOMA in pagina  # a checklist do credenciamento continua lá
    assert "Na pasta digital" not in pagina
    for documento in pasta:
        assert documento.nome_original not in pagina


def test_quem_tem_vinculo_ve_os_documentos_da_pasta_na_checklist(client, parceiro, pasta, ri):
    solicitacao = services.iniciar_atualizacao(ri, parceiro, T.DOCUMENTOS)
    client.force_login(ri)

    pagina = _passo(client, solicitacao, "documentos")

    for documento in pasta:
        assert f"Na pasta digital: {documento.nome_original}" in pagina


def test_estranho_que_pede_vinculacao_nao_recebe_o_cpf_do_rl_atual(client, rl, parceiro):
    estranho = UsuarioFactory(aceitou_termo=True, nome="Edu Estranho")
    solicitacao = services.iniciar_atualizacao(estranho, parceiro, T.VINCULACAO_RL)
    client.force_login(estranho)

    pagina = _passo(client, solicitacao, "representante")

    assert rl.cpf_formatado not in pagina and rl.cpf not in pagina


def test_estranho_que_pede_para_ser_ri_nao_ve_o_que_falta_na_pasta(client, rl, parceiro, ri):
    estranho = UsuarioFactory(aceitou_termo=True, nome="Edu Estranho")
    pedido = services.iniciar_atualizacao(estranho, parceiro, T.INSCRICAO_RI)
    atualizacao = services.iniciar_atualizacao(ri, parceiro, T.DOCUMENTOS)

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
    services.remover_responsavel(vinculo, rl)
    assert not permissions.ve_a_pasta(ri, parceiro.pk)
