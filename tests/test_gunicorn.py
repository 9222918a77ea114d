"""Configuração do gunicorn: o log de acesso não guarda a query string (CPF da consulta)."""

import runpy
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db  # as fixtures automáticas da suíte usam o banco


def test_log_de_acesso_registra_o_caminho_sem_a_query_string():
    config = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    formato = config["access_log_format"]
    assert "%(U)s" in formato
    assert "%(r)s" not in formato and "%(q)s" not in formato
