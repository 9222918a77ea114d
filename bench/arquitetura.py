"""Medidas da arquitetura (issue #12, nota de encerramento), lidas do código com ``ast``.

Imprime: ciclos entre apps; imports dentro de função (total, entre apps, sem motivo escrito);
funções com mais de 60 linhas no código de produção e em ``bench/``; e os lugares que
decidem quando um documento vence (a regra de validade), com quem lê a anotação.

Uso, da raiz do repositório: ``.venv/bin/python bench/arquitetura.py [raiz]`` (``raiz``: outra
árvore do projeto, para comparar com uma versão anterior). Não precisa de banco.

Os imports vêm de ``tests/test_dependencias.py`` (o mesmo leitor que o teste usa). Um *lugar
da regra de validade* é uma função que lê as entradas cruas do vencimento de um documento:

- numa expressão do ORM (``F``, ``Q``, ``When``, ``filter``, ``exclude``, ``annotate``,
  ``get``), o campo ``vence_em`` ou o fim do mandato pelo documento (``vinculo__mandato_fim``);
- em Python, ``<algo>.vinculo.mandato_fim``, ou ``.mandato_fim`` numa função que também
  compara ``regra_validade`` (a regra do mandato reescrita à mão).

Gravar ``vence_em`` no envio (``Documento.vencimento``: a data que o próprio documento traz)
não é decidir o vencimento e não conta.
"""

import ast
import sys
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
if str(RAIZ) not in sys.path:
    sys.path.insert(0, str(RAIZ))

from tests.test_dependencias import ciclos, importacoes, medir, modulos_de_producao  # noqa: E402

LIMITE_DE_LINHAS = 60
CHAMADAS_DO_ORM = {"F", "Q", "When", "filter", "exclude", "annotate", "get"}
LEITORES_DA_ANOTACAO = {"com_vencimento_efetivo", "vigentes_em"}


def funcoes(arquivo):
    """[(nome qualificado, nó)] de cada ``def`` do arquivo (``Classe.metodo``, ``f.interna``)."""
    arvore = ast.parse(arquivo.read_text(encoding="utf-8"), filename=str(arquivo))
    encontradas = []

    def visitar(no, prefixo):
        for filho in ast.iter_child_nodes(no):
            if isinstance(filho, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                nome = f"{prefixo}{filho.name}"
                if not isinstance(filho, ast.ClassDef):
                    encontradas.append((nome, filho))
                visitar(filho, f"{nome}.")
            else:
                visitar(filho, prefixo)

    visitar(arvore, "")
    return encontradas


def linhas_da_funcao(no):
    return no.end_lineno - no.lineno + 1


def longas(arquivos, raiz, limite=LIMITE_DE_LINHAS):
    """[(``caminho::funcao``, linhas)] das funções com mais de ``limite`` linhas."""
    return [
        (f"{arquivo.relative_to(raiz)}::{nome}", linhas_da_funcao(no))
        for arquivo in arquivos
        for nome, no in funcoes(arquivo)
        if linhas_da_funcao(no) > limite
    ]


def arquivos_do_bench(raiz):
    return sorted((raiz / "bench").glob("*.py"))


def _nome_chamado(chamada):
    alvo = chamada.func
    return alvo.attr if isinstance(alvo, ast.Attribute) else getattr(alvo, "id", "")


def _campo_de_vencimento(texto):
    return texto.split("__")[0] == "vence_em" or texto.startswith("vinculo__mandato_fim")


def _cadeia(no):
    """``a.vinculo.mandato_fim`` → ["a", "vinculo", "mandato_fim"] (nome e atributos, em ordem)."""
    partes = []
    while isinstance(no, ast.Attribute):
        partes.insert(0, no.attr)
        no = no.value
    if isinstance(no, ast.Name):
        partes.insert(0, no.id)
    return partes


def _decide_vencimento(funcao):
    no_orm = compara_regra = le_mandato = mandato_pelo_documento = False
    for no in ast.walk(funcao):
        if isinstance(no, ast.Call) and _nome_chamado(no) in CHAMADAS_DO_ORM:
            nomes = [k.arg for k in no.keywords if k.arg]
            textos = [a.value for a in no.args if isinstance(a, ast.Constant)]
            no_orm |= any(_campo_de_vencimento(str(t)) for t in nomes + textos)
        elif isinstance(no, ast.Compare):
            lados = [no.left, *no.comparators]
            compara_regra |= any("regra_validade" in _cadeia(lado) for lado in lados)
        elif isinstance(no, ast.Attribute) and no.attr == "mandato_fim":
            le_mandato = True
            cadeia = _cadeia(no)  # ``<documento>.vinculo.mandato_fim``, não ``vinculo.mandato_fim``
            mandato_pelo_documento |= len(cadeia) > 2 and cadeia[-2:] == ["vinculo", "mandato_fim"]
    return no_orm or mandato_pelo_documento or (le_mandato and compara_regra)


def _le_a_anotacao(funcao):
    return any(
        isinstance(no, ast.Call) and _nome_chamado(no) in LEITORES_DA_ANOTACAO
        for no in ast.walk(funcao)
    )


def regra_de_validade(raiz=RAIZ):
    """(lugares que decidem o vencimento, funções que leem a anotação), como ``caminho::f``."""
    lugares, leitores = [], []
    for arquivo in modulos_de_producao(raiz):
        for nome, no in funcoes(arquivo):
            citacao = f"{arquivo.relative_to(raiz)}::{nome}"
            if _decide_vencimento(no):
                lugares.append(citacao)
            elif _le_a_anotacao(no):
                leitores.append(citacao)
    return lugares, leitores


def relatorio(raiz=RAIZ):
    """As medidas como linhas de texto (o que o script imprime)."""
    imports = medir(raiz)
    producao = longas(modulos_de_producao(raiz), raiz)
    bench = longas(arquivos_do_bench(raiz), raiz)
    lugares, leitores = regra_de_validade(raiz)
    saida = [
        f"ciclos entre apps: {imports['ciclos entre apps']}",
        *(f"  {a} ⇄ {b}" for a, b in ciclos(list(importacoes(raiz)))),
        "imports dentro de função: "
        f"{imports['imports dentro de função']} no total, "
        f"{imports['imports dentro de função entre apps']} entre apps, "
        f"{imports['imports dentro de função sem motivo']} sem motivo escrito",
        f"imports para uma camada de cima: {imports['imports para uma camada de cima']}",
        f"funções com mais de {LIMITE_DE_LINHAS} linhas (produção): {len(producao)}",
        *(f"  {citacao} ({n} linhas)" for citacao, n in producao),
        f"funções com mais de {LIMITE_DE_LINHAS} linhas (bench/): {len(bench)}",
        *(f"  {citacao} ({n} linhas)" for citacao, n in bench),
        f"lugares que decidem quando um documento vence: {len(lugares)}",
        *(f"  {citacao}" for citacao in lugares),
        f"funções que leem a anotação do vencimento: {len(leitores)}",
        *(f"  {citacao}" for citacao in leitores),
    ]
    return saida


if __name__ == "__main__":
    alvo = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else RAIZ
    print("\n".join(relatorio(alvo)))
