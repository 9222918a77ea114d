"""O segundo arquivo, opcional: as organizações, lidas inteiras antes das pessoas, pelo CNPJ.

Cada linha do arquivo principal (pessoas e mandatos) recebe as colunas da organização do
seu CNPJ (``completar``) e então é validada como uma linha do arquivo único. Um erro nas
colunas da organização é relatado uma vez, na linha dela no arquivo de organizações; as
pessoas que apontam para ela recebem só a indicação dessa linha. Organização que nenhuma
pessoa aponta não é importada (não tem representante legal) e aparece no CSV de erros.
"""

from dataclasses import dataclass

from cagec.lib.documentos import cnpj_valido, normalizar_cnpj

from .leitura import COLUNAS_ORGANIZACAO

DA_ORGANIZACAO = frozenset(COLUNAS_ORGANIZACAO) - {"cnpj"}


@dataclass(slots=True)
class Organizacao:
    linha: int
    valores: dict  # as colunas de DA_ORGANIZACAO, como vieram
    conflito: int | None = None  # outra linha com o mesmo CNPJ e outros dados
    usada: bool = False
    relatada: bool = False  # seus erros já foram para o CSV


def _texto(valor):
    return " ".join(str(valor or "").split())


def indexar(linhas, erro):
    """{CNPJ: ``Organizacao``}; ``erro(numero, [(coluna, motivo)])`` para linhas sem CNPJ útil."""
    indice = {}
    for numero, valores in linhas:
        if valores is None:
            continue
        if "_colunas" in valores:
            tem, esperado = valores["_colunas"]
            erro(numero, [("linha", f"A linha tem {tem} colunas e o cabeçalho, {esperado}.")])
            continue
        bruto = _texto(valores.get("cnpj"))
        cnpj = normalizar_cnpj(bruto)
        if not bruto:
            erro(numero, [("cnpj", "campo obrigatório em branco")])
            continue
        if not cnpj_valido(cnpj):
            erro(numero, [("cnpj", "CNPJ inválido")])
            continue
        dados = {c: _texto(valores.get(c)) for c in DA_ORGANIZACAO}
        anterior = indice.get(cnpj)
        if anterior is None:
            indice[cnpj] = Organizacao(numero, dados)
        elif anterior.valores != dados and anterior.conflito is None:
            anterior.conflito = numero
    return indice


def completar(valores, indice):
    """A linha de pessoa com as colunas da sua organização: (valores, ``Organizacao`` ou None)."""
    organizacao = indice.get(normalizar_cnpj(_texto(valores.get("cnpj"))))
    if organizacao is None:
        return valores, None
    organizacao.usada = True
    return {**valores, **organizacao.valores}, organizacao


def sem_representante(indice):
    """As organizações que nenhuma linha de pessoa apontou, na ordem do arquivo."""
    return sorted((o for o in indice.values() if not o.usada), key=lambda o: o.linha)
