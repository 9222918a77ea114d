"""Formatos brasileiros de exibição (cagec.lib.formatos) e os filtros ``{% load formatos %}``."""

from datetime import UTC, date, datetime

import pytest
from django.template import engines

from cagec.lib.formatos import (
    formatar_cep,
    formatar_cnae,
    formatar_data,
    formatar_data_hora,
    formatar_telefone,
)

# O conftest semeia o termo de uso em todo teste: sem banco, a fixture não tem tabela.
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("valor", "esperado"),
    [
        ("3132815500", "(31) 3281-5500"),
        ("31987654321", "(31) 98765-4321"),
        ("(31) 3281-5500", "(31) 3281-5500"),  # já formatado
        ("+55 31 98765-4321", "(31) 98765-4321"),
        ("08001234567", "0800 123 4567"),
        ("0800 123 4567", "0800 123 4567"),
        ("0300-789-1234", "0300 789 1234"),
        ("", ""),
        (None, ""),
        ("123", "123"),  # curto demais: os dígitos, sem inventar formato
    ],
)
def test_formatar_telefone(valor, esperado):
    assert formatar_telefone(valor) == esperado


@pytest.mark.parametrize(
    ("valor", "esperado"),
    [
        ("35400000", "35400-000"),
        ("35400-000", "35400-000"),
        ("35.400-000", "35400-000"),
        (" 35400000 ", "35400-000"),
        ("", ""),
        (None, ""),
        ("3540", "3540"),
    ],
)
def test_formatar_cep(valor, esperado):
    assert formatar_cep(valor) == esperado


@pytest.mark.parametrize(
    ("valor", "esperado"),
    [
        ("9493600", "9493-6/00"),
        (9493600, "9493-6/00"),
        ("9493-6/00", "9493-6/00"),
        ("8411600 — Administração pública em geral", "8411-6/00 — Administração pública em geral"),
        ("", ""),
        (None, ""),
        ("Atividades de associações", "Atividades de associações"),
        ("94936001", "94936001"),  # 8 dígitos não é CNAE: fica como veio
    ],
)
def test_formatar_cnae(valor, esperado):
    assert formatar_cnae(valor) == esperado


@pytest.mark.parametrize(
    ("valor", "esperado"),
    [
        (date(2011, 2, 1), "01/02/2011"),
        ("2011-02-01", "01/02/2011"),
        ("01/02/2011", "01/02/2011"),  # já formatado
        ("", ""),
        (None, ""),
        ("amanhã", "amanhã"),
        # 02:30 em UTC ainda é o dia anterior em Brasília.
        (datetime(2026, 3, 10, 2, 30, tzinfo=UTC), "09/03/2026"),
        ("2026-03-10T02:30:00+00:00", "09/03/2026"),
    ],
)
def test_formatar_data(valor, esperado):
    assert formatar_data(valor) == esperado


def test_formatar_data_hora_no_horario_de_brasilia():
    assert formatar_data_hora(datetime(2026, 3, 10, 15, 5, tzinfo=UTC)) == "10/03/2026 12:05"
    assert formatar_data_hora(date(2026, 3, 10)) == "10/03/2026"
    assert formatar_data_hora("") == ""


def test_filtros_do_template_formatam_os_dados_da_receita():
    modelo = engines["django"].from_string(
        "{% load formatos %}{{ r.data_abertura|data_br }}|{{ r.telefone|telefone }}|"
        "{{ r.cep|cep }}|{{ r.cnae|cnae }}|{{ r.cnpj|cnpj }}|{{ r.cpf|cpf }}"
    )
    r = {
        "data_abertura": "2011-02-01",
        "telefone": "3132815500",
        "cep": "35400000",
        "cnae": "9493600",
        "cnpj": "12abc34501de35",
        "cpf": "52998224725",
    }
    assert modelo.render({"r": r}) == (
        "01/02/2011|(31) 3281-5500|35400-000|9493-6/00|12.ABC.345/01DE-35|529.982.247-25"
    )


def test_data_sem_filtro_do_django_sai_em_dd_mm_aaaa():
    """FORMAT_MODULE_PATH: o ``{{ data }}`` do Django em pt-BR não sai por extenso."""
    modelo = engines["django"].from_string("{{ d }} · {{ m }}")
    texto = modelo.render({"d": date(2011, 2, 1), "m": datetime(2026, 3, 10, 15, 5, tzinfo=UTC)})
    assert texto == "01/02/2011 · 10/03/2026 12:05"
