"""IPs de outras pessoas não saem para o usuário (issue #11, item 16).

Exportação LGPD ("Baixar meus dados") e histórico de Minha conta: o IP de um registro só
aparece quando foi a própria pessoa quem agiu; o de quem agiu sobre a conta dela (a
administração) ou de quem agiu sem se identificar (outra inscrição com o CPF dela, um pedido
de recuperação) é evidência interna.
"""

import json

import pytest

from accounts import services
from tests.factories import UsuarioFactory

pytestmark = pytest.mark.django_db

IP_DELA = "198.51.100.7"
IP_DA_ADMINISTRACAO = "203.0.113.50"
IP_DE_ESTRANHO = "192.0.2.99"


@pytest.fixture
def historico(usuario):
    """Ações dela (com o IP dela), da administração e de um anônimo sobre a conta dela."""
    services.atualizar_dados(usuario, nome="Nome Novo Silva", telefone="31999990000", ip=IP_DELA)
    admin = UsuarioFactory(aceitou_termo=True, is_staff=True)
    services.desbloquear(usuario, ator=admin, ip=IP_DA_ADMINISTRACAO)
    services.inscrever(
        cpf=usuario.cpf, nome="Outra", email="outra@ex.com.br", telefone="", ip=IP_DE_ESTRANHO
    )
    return usuario


def test_exportacao_lgpd_traz_o_ip_dela_e_nao_o_de_outras_pessoas(cliente_logado, historico):
    resposta = cliente_logado.get("/minha-conta/meus-dados.json")

    conteudo = resposta.content.decode()
    assert IP_DA_ADMINISTRACAO not in conteudo and IP_DE_ESTRANHO not in conteudo
    auditoria = {r["acao"]: r for r in json.loads(conteudo)["auditoria"]}
    assert auditoria["usuario.dados_alterados"]["ip"] == IP_DELA
    assert auditoria["usuario.tentativas_zeradas"]["ip"] is None
    assert auditoria["usuario.inscricao_repetida"]["ip"] is None


def test_historico_de_minha_conta_mostra_so_o_ip_dela(cliente_logado, historico):
    html = cliente_logado.get("/minha-conta/").content.decode()

    assert "Tentativas de acesso zeradas pela administração" in html
    assert IP_DELA in html
    assert IP_DA_ADMINISTRACAO not in html and IP_DE_ESTRANHO not in html
