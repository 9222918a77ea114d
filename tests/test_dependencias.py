"""As dependências entre apps vão num sentido só (regra 13 da arquitetura da casa).

``declaracoes → parceiros → accounts → cagec`` (``cagec.core`` e ``cagec.lib``: caixa de saída,
auditoria, travas, documentos, armazenamento). Lê com ``ast`` cada módulo de produção,
inclusive os ``import`` dentro de funções, e falha:

- num import de uma camada de cima (``accounts`` importando ``parceiros``, ``cagec.lib``
  importando ``accounts``...);
- num ciclo entre apps;
- num import dentro de função sem o motivo num comentário ``# import tardio: <motivo>`` na
  mesma linha ou logo acima (do bloco de imports). Import tardio é para custo de carga ou
  biblioteca opcional — nunca para driblar um ciclo.

``cagec/urls.py`` é a raiz de composição (como ``settings.INSTALLED_APPS``): junta as URLs
de todos os apps e por isso fica fora das camadas; nenhum módulo pode importá-lo.

Para medir (ciclos, imports em função, imports em função entre apps) numa árvore qualquer:
``python tests/test_dependencias.py [raiz]``.
"""

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db  # as fixtures automáticas da suíte usam o banco
RAIZ = Path(__file__).resolve().parents[1]
CAMADAS = {"cagec": 0, "accounts": 1, "parceiros": 2, "declaracoes": 3, "api": 4}
RAIZ_DE_COMPOSICAO = "cagec.urls"
MARCA = "import tardio:"


@dataclass(frozen=True)
class Importacao:
    arquivo: str
    linha: int
    origem: str  # módulo que importa
    destino: str  # módulo importado (absoluto)
    em_funcao: bool
    justificada: bool

    @property
    def app_origem(self):
        return app_de(self.origem)

    @property
    def app_destino(self):
        return app_de(self.destino)

    def __str__(self):
        return f"{self.arquivo}:{self.linha} ({self.origem} → {self.destino})"


def app_de(modulo):
    topo = modulo.split(".")[0]
    return topo if topo in CAMADAS else None


def modulos_de_producao(raiz=RAIZ):
    for app in CAMADAS:
        for arquivo in sorted((raiz / app).rglob("*.py")):
            partes = arquivo.relative_to(raiz).parts
            if "migrations" in partes or "tests" in partes:
                continue
            yield arquivo


def _nome_do_modulo(arquivo, raiz):
    partes = list(arquivo.relative_to(raiz).with_suffix("").parts)
    pacote = arquivo.name == "__init__.py"
    if pacote:
        partes = partes[:-1]
    return ".".join(partes), pacote


def _justificada(no, linhas, linhas_de_import):
    """Comentário ``# import tardio: motivo`` na linha do import ou acima do bloco."""
    if MARCA in linhas[no.lineno - 1]:
        return True
    numero = no.lineno - 1  # a linha de cima (1-based → índice)
    while numero >= 1:
        texto = linhas[numero - 1].strip()
        if numero in linhas_de_import or not texto:
            numero -= 1
            continue
        return texto.startswith("#") and bool(texto.partition(MARCA)[2].strip())
    return False


def importacoes(raiz=RAIZ):
    for arquivo in modulos_de_producao(raiz):
        fonte = arquivo.read_text(encoding="utf-8")
        arvore = ast.parse(fonte)
        linhas = fonte.splitlines()
        modulo, pacote = _nome_do_modulo(arquivo, raiz)
        base = modulo if pacote else modulo.rpartition(".")[0]
        pais = {filho: pai for pai in ast.walk(arvore) for filho in ast.iter_child_nodes(pai)}
        nos = [n for n in ast.walk(arvore) if isinstance(n, (ast.Import, ast.ImportFrom))]
        linhas_de_import = {i for n in nos for i in range(n.lineno, n.end_lineno + 1)}
        for no in nos:
            if isinstance(no, ast.Import):
                destinos = [a.name for a in no.names]
            elif no.level:
                partes = base.split(".")
                pacote_alvo = ".".join(partes[: len(partes) - (no.level - 1)])
                destinos = [f"{pacote_alvo}.{no.module}" if no.module else pacote_alvo]
            else:
                destinos = [no.module]
            em_funcao = _dentro_de_funcao(no, pais)
            justificada = em_funcao and _justificada(no, linhas, linhas_de_import)
            for destino in destinos:
                yield Importacao(
                    str(arquivo.relative_to(raiz)),
                    no.lineno,
                    modulo,
                    destino,
                    em_funcao,
                    justificada,
                )


def _dentro_de_funcao(no, pais):
    pai = pais.get(no)
    while pai is not None:
        if isinstance(pai, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return True
        pai = pais.get(pai)
    return False


def _entre_apps(imp):
    return (
        imp.origem != RAIZ_DE_COMPOSICAO
        and imp.app_origem
        and imp.app_destino
        and imp.app_origem != imp.app_destino
    )


def arestas(lista):
    return {(i.app_origem, i.app_destino) for i in lista if _entre_apps(i)}


def ciclos(lista):
    """Pares de apps que se importam (direta ou indiretamente)."""
    grafo = {}
    for origem, destino in arestas(lista):
        grafo.setdefault(origem, set()).add(destino)

    def alcanca(de, ate, vistos=()):
        return any(
            prox == ate or (prox not in vistos and alcanca(prox, ate, (*vistos, prox)))
            for prox in grafo.get(de, ())
        )

    return sorted(
        (a, b)
        for a in grafo
        for b in grafo
        if CAMADAS[a] < CAMADAS[b] and alcanca(a, b) and alcanca(b, a)
    )


def medir(raiz=RAIZ):
    lista = list(importacoes(raiz))
    em_funcao = [i for i in lista if i.em_funcao]
    return {
        "ciclos entre apps": len(ciclos(lista)),
        "imports dentro de função": len(em_funcao),
        "imports dentro de função entre apps": sum(1 for i in em_funcao if _entre_apps(i)),
        "imports dentro de função sem motivo": sum(1 for i in em_funcao if not i.justificada),
        "imports para uma camada de cima": sum(
            1 for i in lista if _entre_apps(i) and CAMADAS[i.app_destino] > CAMADAS[i.app_origem]
        ),
    }


# --- testes --------------------------------------------------------------------------------
LISTA = list(importacoes())


def test_a_leitura_acha_imports_de_topo_e_de_dentro_de_funcao():
    assert any(i.origem == "accounts.services" and i.destino == "cagec.lib.emails" for i in LISTA)
    assert any(i.em_funcao and i.justificada for i in LISTA)  # o ``ready`` dos apps
    assert "cagec.lib.emails" in {i.origem for i in LISTA}


def test_nenhum_app_importa_uma_camada_de_cima():
    subindo = [
        str(i) for i in LISTA if _entre_apps(i) and CAMADAS[i.app_destino] > CAMADAS[i.app_origem]
    ]
    assert subindo == []


def test_cagec_lib_e_core_nao_importam_app_nenhum():
    assert [
        str(i)
        for i in LISTA
        if i.origem.startswith(("cagec.lib", "cagec.core")) and i.app_destino not in (None, "cagec")
    ] == []


def test_ninguem_importa_a_raiz_de_composicao():
    assert [str(i) for i in LISTA if i.destino.startswith(RAIZ_DE_COMPOSICAO)] == []


def test_sem_ciclos_entre_apps():
    assert ciclos(LISTA) == []


def test_import_dentro_de_funcao_tem_motivo_escrito():
    sem_motivo = [str(i) for i in LISTA if i.em_funcao and not i.justificada]
    assert sem_motivo == []


def test_detector_de_ciclo_e_de_camada(tmp_path):
    """O detector acha o que tem de achar numa árvore montada aqui."""
    for app in CAMADAS:
        (tmp_path / app).mkdir()
        (tmp_path / app / "__init__.py").write_text("")
    (tmp_path / "accounts" / "a.py").write_text(
        "def f():\n    from parceiros import b\n\n\ndef g():\n"
        "    # import tardio: biblioteca opcional\n    import json\n"
    )
    (tmp_path / "parceiros" / "b.py").write_text("from accounts import a\n")
    lista = list(importacoes(tmp_path))
    assert ciclos(lista) == [("accounts", "parceiros")]
    sem_motivo = [i.destino for i in lista if i.em_funcao and not i.justificada]
    assert sem_motivo == ["parceiros"]
    assert medir(tmp_path)["imports para uma camada de cima"] == 1


# --- parceiros não lê declarações (issue #12) ---------------------------------------------------
# A relação reversa (``solicitacao.declaracoes``) e os modelos de ``declaracoes`` pelo nome: o
# que a página da solicitação mostra das declarações chega por ``parceiros/ganchos.py``.
NOMES_DE_DECLARACOES = {"declaracoes", "Declaracao", "Certificado"}


def leituras_de_declaracoes(raiz=RAIZ, app="parceiros", nomes=NOMES_DE_DECLARACOES):
    achados = []
    for arquivo in modulos_de_producao(raiz):
        if arquivo.relative_to(raiz).parts[0] != app:
            continue
        for no in ast.walk(ast.parse(arquivo.read_text(), filename=str(arquivo))):
            nome = (
                no.attr
                if isinstance(no, ast.Attribute)
                else no.id
                if isinstance(no, ast.Name)
                else None
            )
            if nome in nomes:
                achados.append(f"{arquivo.relative_to(raiz)}:{no.lineno} ({nome})")
    return achados


def test_parceiros_nao_le_declaracoes():
    assert leituras_de_declaracoes() == []


def test_detector_de_leitura_de_declaracoes(tmp_path):
    (tmp_path / "parceiros").mkdir()
    (tmp_path / "parceiros" / "x.py").write_text(
        "def f(s):\n    return s.declaracoes.all(), Declaracao\n"
    )
    assert sorted(leituras_de_declaracoes(tmp_path)) == [
        "parceiros/x.py:2 (Declaracao)",
        "parceiros/x.py:2 (declaracoes)",
    ]


# accounts não lê as camadas de cima pelas relações reversas do Usuario (a exportação LGPD
# recebe vínculos, solicitações, documentos e declarações por ``accounts.ganchos``).
RELACOES_REVERSAS_DO_USUARIO = {
    "vinculos",
    "solicitacoes",
    "solicitacoes_para_assinar",
    "documento_set",
    "declaracoes_assinadas",
    *NOMES_DE_DECLARACOES,
}


def test_accounts_nao_le_as_camadas_de_cima_pelas_relacoes_reversas():
    assert leituras_de_declaracoes(app="accounts", nomes=RELACOES_REVERSAS_DO_USUARIO) == []


if __name__ == "__main__":
    raiz = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else RAIZ
    for nome, valor in medir(raiz).items():
        print(f"{nome}: {valor}")
