"""``docs/seguranca.md`` não pode apontar para testes que não existem (nem esquecer um item)."""

import re
from pathlib import Path

import pytest

RAIZ = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db  # o conftest semeia o termo de uso em todo teste
DOC = (RAIZ / "docs" / "seguranca.md").read_text(encoding="utf-8")


def test_cada_teste_citado_existe():
    citados = set(re.findall(r"(tests/[\w/]+\.py)::(\w+)", DOC))
    assert len(citados) > 100
    faltando = [
        f"{caminho}::{nome}"
        for caminho, nome in sorted(citados)
        if not (RAIZ / caminho).exists()
        or not re.search(rf"def {nome}\b", (RAIZ / caminho).read_text(encoding="utf-8"))
    ]
    assert faltando == []


def test_os_21_itens_da_revisao_tem_linha_na_tabela():
    itens = {int(n) for n in re.findall(r"^\| (\d+) \|", DOC, flags=re.M)}
    assert itens == set(range(1, 22))
