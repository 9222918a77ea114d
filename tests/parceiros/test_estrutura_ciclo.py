"""Estrutura do ciclo de vida da Solicitação (issue #12, item 4 e parte do 6).

Lê o código e os templates (sem banco): selectors não importam forms nem services; nenhum
módulo usa função privada (``_x``) de outro; ``services.py`` não guarda leituras usadas
fora dele; só a tabela de ``services.py`` muda ``status``; templates sem linhas longas e
sem comparar status com o valor gravado.
"""

import ast
import re
from pathlib import Path

import pytest

RAIZ = Path(__file__).resolve().parents[2]
APPS = ("accounts", "parceiros", "declaracoes")
LIMITE_DA_LINHA = 160

# O conftest semeia o banco em todo teste (fixtures autouse); estes só leem arquivos.
pytestmark = pytest.mark.django_db


def _modulos(*apps):
    for app in apps:
        for caminho in sorted((RAIZ / app).rglob("*.py")):
            if "migrations" not in caminho.parts:
                yield caminho


def _arvore(caminho):
    return ast.parse(caminho.read_text(), filename=str(caminho))


def _nome_do_modulo(caminho):
    return ".".join(caminho.relative_to(RAIZ).with_suffix("").parts)


def _importados(caminho):
    """{nome local: módulo absoluto} dos módulos importados (``from . import x``, ``import x``)."""
    pacote = _nome_do_modulo(caminho).rsplit(".", 1)[0]
    nomes = {}
    for no in ast.walk(_arvore(caminho)):
        if isinstance(no, ast.Import):
            for alias in no.names:
                nomes[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(no, ast.ImportFrom):
            base = no.module or ""
            if no.level:
                partes = pacote.split(".")
                partes = partes[: len(partes) - (no.level - 1)]
                base = ".".join(partes + ([no.module] if no.module else []))
            for alias in no.names:
                nomes[alias.asname or alias.name] = f"{base}.{alias.name}"
    return nomes


def _modulos_importados(caminho):
    """Módulos de que ``caminho`` depende (inclusive ``from .x import nome``)."""
    pacote = _nome_do_modulo(caminho).rsplit(".", 1)[0]
    alvos = set()
    for no in ast.walk(_arvore(caminho)):
        if isinstance(no, ast.Import):
            alvos |= {alias.name for alias in no.names}
        elif isinstance(no, ast.ImportFrom):
            base = no.module or ""
            if no.level:
                partes = pacote.split(".")
                partes = partes[: len(partes) - (no.level - 1)]
                base = ".".join(partes + ([no.module] if no.module else []))
            alvos.add(base)
            alvos |= {f"{base}.{alias.name}" for alias in no.names}
    return alvos


@pytest.mark.parametrize("app", APPS)
def test_selectors_nao_importam_forms_nem_services(app):
    caminho = RAIZ / app / "selectors.py"
    if not caminho.exists():
        pytest.skip(f"{app} não tem selectors.py")
    proibidos = {f"{app}.forms", f"{app}.services"}
    proibidos |= {f"{outro}.{m}" for outro in APPS for m in ("forms", "services", "views")}
    assert _modulos_importados(caminho) & proibidos == set()


# API pública do Django que começa com "_" (documentada: Model._meta e os managers).
_API_DO_DJANGO = {"_meta", "_default_manager", "_base_manager"}


def test_nenhum_modulo_usa_funcao_privada_de_outro_modulo():
    """``modulo._x`` e ``from modulo import _x`` entre módulos do projeto: o que é usado de
    fora é público e documentado (``services.transicionar``, não ``services._transicionar``)."""
    usos = []
    for caminho in _modulos(*APPS, "cagec"):
        importados = {
            local: alvo
            for local, alvo in _importados(caminho).items()
            if alvo.split(".")[0] in (*APPS, "cagec")
        }
        for no in ast.walk(_arvore(caminho)):
            if (
                isinstance(no, ast.Attribute)
                and isinstance(no.value, ast.Name)
                and no.value.id in importados
                and no.attr.startswith("_")
                and not no.attr.startswith("__")
                and no.attr not in _API_DO_DJANGO
            ):
                usos.append(f"{_nome_do_modulo(caminho)}:{no.lineno} {no.value.id}.{no.attr}")
            if isinstance(no, ast.ImportFrom) and (no.module or no.level):
                privados = [a.name for a in no.names if a.name.startswith("_")]
                usos += [f"{_nome_do_modulo(caminho)}:{no.lineno} import {p}" for p in privados]
    assert usos == []


_ESCRITAS = {
    "save",
    "create",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "select_for_update",
    "atomic",
    "on_commit",
    "registrar",
    "enfileirar_email",
    "transicionar",
    "mudar_status_documento",
}
_LEITURAS = {"filter", "exclude", "get", "first", "last", "exists", "count", "values", "none"}


def _chamadas(funcao):
    for no in ast.walk(funcao):
        if isinstance(no, ast.Call):
            alvo = no.func
            yield alvo.attr if isinstance(alvo, ast.Attribute) else getattr(alvo, "id", "")


def test_services_nao_guarda_leituras_usadas_fora_dele():
    """Função pública de ``parceiros/services.py`` que só consulta o banco (sem escrever) e é
    usada por outro módulo é uma leitura reaproveitada: o lugar dela é ``selectors``."""
    arvore = _arvore(RAIZ / "parceiros" / "services.py")
    funcoes = {no.name: set(_chamadas(no)) for no in arvore.body if isinstance(no, ast.FunctionDef)}
    escrevem = set()
    while True:  # quem chama uma função do módulo que escreve também escreve
        novas = {nome for nome, chamadas in funcoes.items() if chamadas & (_ESCRITAS | escrevem)}
        if novas <= escrevem:
            break
        escrevem |= novas
    leituras = {
        nome
        for nome, chamadas in funcoes.items()
        if not nome.startswith("_") and chamadas & _LEITURAS and nome not in escrevem
    }
    usadas_fora = set()
    for caminho in [*_modulos(*APPS), *sorted((RAIZ / "tests").rglob("*.py"))]:
        if caminho == RAIZ / "parceiros" / "services.py":
            continue
        texto = caminho.read_text()
        usadas_fora |= {nome for nome in leituras if re.search(rf"services\.{nome}\b", texto)}
        usadas_fora |= {
            nome
            for nome in leituras
            if re.search(rf"from parceiros\.services import[^\n]*\b{nome}\b", texto)
        }
    assert usadas_fora == set()


def test_so_a_tabela_de_services_muda_o_status():
    """``x.status = ...`` e ``.update(status=...)`` só nos serviços com tabela de transição:
    ``parceiros/services.py`` (Solicitação e Documento) e ``parceiros/importacao/services.py``
    (ImportacaoCadastro); ``analise.decidir`` passa pela porta pública ``transicionar``."""
    casas = {RAIZ / "parceiros" / "services.py", RAIZ / "parceiros" / "importacao" / "services.py"}
    fora = []
    for caminho in _modulos("parceiros", "declaracoes"):
        if caminho in casas:
            continue
        for no in ast.walk(_arvore(caminho)):
            alvos = no.targets if isinstance(no, ast.Assign) else []
            if any(isinstance(a, ast.Attribute) and a.attr == "status" for a in alvos):
                fora.append(f"{_nome_do_modulo(caminho)}:{no.lineno}")
            if (
                isinstance(no, ast.Call)
                and isinstance(no.func, ast.Attribute)
                and no.func.attr == "update"
                and any(k.arg == "status" for k in no.keywords)
            ):
                fora.append(f"{_nome_do_modulo(caminho)}:{no.lineno} update(status=)")
    assert fora == []
    decidir = next(
        no
        for no in _arvore(RAIZ / "parceiros" / "analise.py").body
        if isinstance(no, ast.FunctionDef) and no.name == "decidir"
    )
    assert "transicionar" in set(_chamadas(decidir))


def _templates_html():
    return sorted((RAIZ / "templates").rglob("*.html"))


def test_templates_sem_linhas_com_mais_de_160_caracteres():
    """Só HTML: nos ``.txt`` (e-mail em texto, texto da declaração) a quebra de linha é
    conteúdo — o texto assinado e o e-mail saem como estão no arquivo."""
    longas = [
        f"{caminho.relative_to(RAIZ)}:{numero} ({len(linha)})"
        for caminho in _templates_html()
        for numero, linha in enumerate(caminho.read_text().splitlines(), 1)
        if len(linha) > LIMITE_DA_LINHA
    ]
    assert longas == []


_STATUS_LITERAL = re.compile(
    r"""(?:\b(?:status|situacao|parecer)\s*(?:==|!=)\s*["'])"""
    r"""|(?:["'][^"'{}]*["']\s*(?:==|!=)\s*[\w.]*\b(?:status|situacao|parecer)\b)"""
)


def test_templates_nao_comparam_status_com_o_valor_gravado():
    """Status e situação decidem por método do modelo ou filtro (``situacoes``), não por
    ``{% if x.status == "rascunho" %}`` — um valor trocado no modelo não deixa template para
    trás. Vale também para os e-mails."""
    comparacoes = [
        f"{caminho.relative_to(RAIZ)}:{numero}"
        for caminho in sorted((RAIZ / "templates").rglob("*"))
        if caminho.suffix in (".html", ".txt")
        for numero, linha in enumerate(caminho.read_text().splitlines(), 1)
        if _STATUS_LITERAL.search(linha)
    ]
    assert comparacoes == []
