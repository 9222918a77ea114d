"""``docs/arquitetura.md`` não aponta para o que não existe, e as medidas da arquitetura valem.

Cada ``caminho::nome`` citado (``nome`` pode ser ``Classe.metodo`` ou uma constante do
módulo) é procurado na árvore do arquivo; cada link relativo, no disco. As medidas de
``bench/arquitetura.py`` (regra de validade num lugar só, ``bench/`` sem funções longas) são
conferidas aqui, e os detectores, numa árvore montada no teste.
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench import arquitetura

RAIZ = Path(__file__).resolve().parent.parent
DOCS = RAIZ / "docs"
DOC = (DOCS / "arquitetura.md").read_text(encoding="utf-8")
CITACAO = re.compile(r"`([\w/]+\.py)::([\w.]+)`")
LINK = re.compile(r"\]\(([^)#\s]+)\)")

# O conftest semeia o banco em todo teste (fixtures automáticas); estes só leem arquivos.
pytestmark = pytest.mark.django_db


def _nomes_definidos(corpo):
    """{nome: nó} das funções, classes e atribuições de um corpo (módulo ou classe)."""
    nomes = {}
    for no in corpo:
        if isinstance(no, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            nomes[no.name] = no
        elif isinstance(no, ast.Assign):
            nomes |= {alvo.id: no for alvo in no.targets if isinstance(alvo, ast.Name)}
        elif isinstance(no, ast.AnnAssign) and isinstance(no.target, ast.Name):
            nomes[no.target.id] = no
    return nomes


def existe(caminho, nome):
    arquivo = RAIZ / caminho
    if not arquivo.is_file():
        return False
    no = ast.parse(arquivo.read_text(encoding="utf-8"))
    for parte in nome.split("."):
        no = _nomes_definidos(getattr(no, "body", [])).get(parte)
        if no is None:
            return False
    return True


def test_cada_caminho_e_nome_citado_existe():
    citados = set(CITACAO.findall(DOC))
    assert len(citados) >= 40
    assert [f"{c}::{n}" for c, n in sorted(citados) if not existe(c, n)] == []


def test_cada_link_relativo_aponta_para_um_arquivo():
    links = set(LINK.findall(DOC))
    assert links
    assert sorted(alvo for alvo in links if not (DOCS / alvo).exists()) == []


def test_o_verificador_de_nomes_recusa_o_que_nao_existe():
    assert existe("parceiros/models.py", "DocumentoQuerySet.com_vencimento_efetivo")
    assert existe("parceiros/services.py", "_TRANSICOES")
    assert not existe("parceiros/models.py", "DocumentoQuerySet.nao_existe")
    assert not existe("parceiros/models.py", "com_vencimento_efetivo")  # é um método
    assert not existe("parceiros/nao_existe.py", "x")


@pytest.mark.parametrize(
    "pergunta,primeiro",
    [
        ("solicitação aprovada atualiza o Parceiro", "parceiros/analise.py::decidir"),
        ("obrigações um Tipo exige", "parceiros/situacao.py::calcular"),
        (
            "Quando um documento vence",
            "parceiros/models.py::DocumentoQuerySet.com_vencimento_efetivo",
        ),
    ],
)
def test_as_tres_perguntas_de_quem_chega_apontam_primeiro_para_a_resposta(pergunta, primeiro):
    linha = next(linha for linha in DOC.splitlines() if pergunta in linha)
    assert CITACAO.search(linha).group(0) == f"`{primeiro}`"


def test_o_documento_tem_lugar_para_cada_tipo_de_regra_e_esta_linkado():
    for tipo in ("Mudança de estado", "Leitura", "Permissão", "Validade", "E-mail", "Auditoria"):
        assert re.search(rf"^\| {tipo}", DOC, flags=re.M), tipo
    assert "bench/arquitetura.py" in DOC
    assert "docs/arquitetura.md" in (RAIZ / "README.md").read_text(encoding="utf-8")
    assert "(arquitetura.md)" in (DOCS / "decisoes.md").read_text(encoding="utf-8")


# --- As medidas -------------------------------------------------------------------------------
def test_a_regra_de_validade_do_documento_e_decidida_num_lugar_so():
    lugares, leitores = arquitetura.regra_de_validade()
    assert lugares == ["parceiros/models.py::DocumentoQuerySet.com_vencimento_efetivo"]
    assert {"parceiros/situacao.py::itens", "parceiros/avisos.py::_a_vencer"} <= set(leitores)


def test_bench_sem_funcoes_com_mais_de_60_linhas():
    assert arquitetura.longas(arquitetura.arquivos_do_bench(RAIZ), RAIZ) == []


def test_detectores_de_funcao_longa_e_de_regra_de_validade_reescrita(tmp_path):
    for app in ("cagec", "accounts", "parceiros", "declaracoes"):
        (tmp_path / app).mkdir()
    (tmp_path / "bench").mkdir()
    corpo = "\n".join(f"    x{i} = {i}" for i in range(60))
    (tmp_path / "bench" / "longo.py").write_text(
        f"def longa():\n{corpo}\n\n\ndef curta():\n    pass\n"
    )
    (tmp_path / "parceiros" / "a.py").write_text(
        "def no_orm(qs, dia):\n    return qs.filter(vence_em__gte=dia)\n\n\n"
        "def em_python(doc):\n"
        "    if doc.regra_validade == 'fim_mandato':\n        return doc.vinculo.mandato_fim\n\n\n"
        "class Q:\n    def f(self, mandato, regra_validade):\n"
        "        return mandato.mandato_fim if regra_validade == 'fim_mandato' else None\n\n\n"
        "def le(qs):\n    return qs.com_vencimento_efetivo()\n\n\n"
        "def so_o_mandato(vinculo):\n    return vinculo.mandato_fim\n"
    )
    assert arquitetura.longas(arquitetura.arquivos_do_bench(tmp_path), tmp_path) == [
        ("bench/longo.py::longa", 61)
    ]
    lugares, leitores = arquitetura.regra_de_validade(tmp_path)
    assert lugares == ["parceiros/a.py::no_orm", "parceiros/a.py::em_python", "parceiros/a.py::Q.f"]
    assert leitores == ["parceiros/a.py::le"]


def test_o_script_imprime_as_medidas():
    saida = subprocess.run(
        [sys.executable, str(RAIZ / "bench" / "arquitetura.py")],
        capture_output=True,
        text=True,
        check=True,
        cwd=RAIZ,
    ).stdout
    assert "ciclos entre apps: 0" in saida
    assert "funções com mais de 60 linhas (bench/): 0" in saida
    assert "lugares que decidem quando um documento vence: 1" in saida
    assert re.search(r"imports dentro de função: \d+ no total, \d+ entre apps, 0 sem motivo", saida)
