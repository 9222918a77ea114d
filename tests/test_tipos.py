"""Tipos checados pelo mypy + django-stubs (issue #12, item 5; ``make typecheck`` na CI).

* o projeto inteiro passa no mypy com a configuração de ``pyproject.toml``;
* todo ``services.py``/``selectors.py`` está na seção estrita (funções sem anotação reprovam)
  e só chama código tipado (``disallow_untyped_calls``);
* ``cagec.lib`` (a base que os serviços chamam) também está numa seção estrita;
* o mypy pega de fato um erro de tipo numa chamada de serviço (a checagem não é decorativa).

O mypy roda num processo à parte (o plugin do django-stubs monta o Django por conta própria).
"""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

RAIZ = Path(__file__).resolve().parent.parent
APPS = ("cagec", "accounts", "parceiros", "declaracoes")
# Os ganchos automáticos do tests/conftest.py semeiam o banco; sozinho, o arquivo o pede.
pytestmark = pytest.mark.django_db


def _mypy(*argumentos, cache):
    return subprocess.run(  # noqa: S603 (argumentos fixos, sem entrada externa)
        [sys.executable, "-m", "mypy", "--cache-dir", str(cache), *argumentos],
        cwd=RAIZ,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _config_mypy():
    return tomllib.loads((RAIZ / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]


def test_todo_servico_e_seletor_esta_na_secao_estrita():
    modulos = {
        ".".join(caminho.relative_to(RAIZ).with_suffix("").parts)
        for app in APPS
        for nome in ("services.py", "selectors.py")
        for caminho in (RAIZ / app).rglob(nome)
    }
    assert "parceiros.importacao.services" in modulos
    opcoes = (
        "disallow_untyped_defs",
        "disallow_incomplete_defs",
        "check_untyped_defs",
        "warn_return_any",
    )
    estritos = set()
    for secao in _config_mypy().get("overrides", []):
        if all(secao.get(opcao) for opcao in opcoes):
            estritos |= set(secao["module"])
    assert modulos - estritos == set()


OPCOES_ESTRITAS = (
    "disallow_untyped_defs",
    "disallow_incomplete_defs",
    "check_untyped_defs",
    "warn_return_any",
    "disallow_untyped_calls",
)


def _modulos_estritos(opcoes):
    """Os padrões de módulo das seções ``overrides`` que ligam todas as ``opcoes``."""
    estritos = set()
    for secao in _config_mypy().get("overrides", []):
        if all(secao.get(opcao) is True for opcao in opcoes):
            estritos |= set(secao["module"])
    return estritos


def test_servicos_e_seletores_so_chamam_codigo_tipado():
    modulos = {
        ".".join(caminho.relative_to(RAIZ).with_suffix("").parts)
        for app in APPS
        for nome in ("services.py", "selectors.py")
        for caminho in (RAIZ / app).rglob(nome)
    }
    assert modulos - _modulos_estritos(("disallow_untyped_calls",)) == set()
    assert modulos - _modulos_estritos(OPCOES_ESTRITAS) == set()


def test_cagec_lib_esta_na_secao_estrita():
    assert "cagec.lib.*" in _modulos_estritos(OPCOES_ESTRITAS)
    # Nenhuma outra seção afrouxa um módulo de cagec.lib (a última seção que casa vale).
    for secao in _config_mypy().get("overrides", []):
        if any(m.startswith("cagec.lib") for m in secao["module"]):
            assert not [opcao for opcao in OPCOES_ESTRITAS if secao.get(opcao) is False]


def test_projeto_passa_no_mypy(tmp_path):
    resultado = _mypy(cache=tmp_path)
    assert resultado.returncode == 0, resultado.stdout + resultado.stderr
    assert "Success: no issues found" in resultado.stdout


def test_mypy_recusa_servico_chamado_com_tipo_errado(tmp_path):
    modulo = tmp_path / "chamada_errada.py"
    modulo.write_text(
        "from accounts.models import Usuario\n"
        "from parceiros import services\n\n\n"
        "def chamar(ator: Usuario) -> None:\n"
        "    services.iniciar_inscricao(12345678000195, ator=ator)\n",
        encoding="utf-8",
    )
    resultado = _mypy(str(modulo), cache=tmp_path / "cache")
    assert resultado.returncode == 1, resultado.stdout + resultado.stderr
    assert 'Argument 1 to "iniciar_inscricao" has incompatible type "int"' in resultado.stdout
    assert "[arg-type]" in resultado.stdout
