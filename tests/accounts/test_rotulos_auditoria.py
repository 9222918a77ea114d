"""Toda ação gravada na auditoria tem nome em português (histórico da conta e admin)."""

import re
from pathlib import Path

import pytest

from accounts.models import Usuario
from cagec.core.models import acao_legivel
from parceiros.models import Documento, Solicitacao

pytestmark = pytest.mark.django_db
RAIZ = Path(__file__).resolve().parents[2]
# O primeiro argumento de registrar(...) / montar(...), literal.
CHAMADA = re.compile(r"\b(?:registrar|montar)\(\s*\"([a-z_]+\.[a-z_]+)\"")


def acoes_no_codigo():
    acoes = set()
    for app in ("accounts", "parceiros", "declaracoes", "cagec"):
        for arquivo in (RAIZ / app).rglob("*.py"):
            acoes |= set(CHAMADA.findall(arquivo.read_text(encoding="utf-8")))
    return acoes


def test_a_busca_encontra_as_acoes():
    assert {"usuario.login", "vinculo.rl", "importacao.confirmada"} <= acoes_no_codigo()


@pytest.mark.parametrize("acao", sorted(acoes_no_codigo()))
def test_acao_literal_tem_rotulo(acao):
    assert acao_legivel(acao) != acao


@pytest.mark.parametrize(
    "acao",
    [f"usuario.{s}" for s in Usuario.Situacao.values]
    + [f"documento.{s}" for s in Documento.Status.values]
    + [f"solicitacao.{s}" for s in Solicitacao.Status.values],
)
def test_acao_de_mudanca_de_estado_tem_rotulo(acao):
    assert acao_legivel(acao) != acao


def test_rotulo_de_estado_vem_das_choices():
    assert acao_legivel("documento.aprovado") == "Documento: aprovado"
    assert acao_legivel("solicitacao.devolvida") == "Solicitação: devolvida para correção"
    assert acao_legivel("desconhecida.qualquer") == "desconhecida.qualquer"
