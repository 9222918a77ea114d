"""Carga dos catálogos iniciais (naturezas, gêneros, tipos, obrigações) dos CSV em ``dados/``.

Usada pela migração de dados (com os modelos históricos) e pelo comando
``carregar_catalogos``. Só cria o que falta: o que a administração editou fica como está.
Uma Obrigação é a mesma para vários Tipos quando grupo, nome, descrição e regra coincidem.
"""

import csv
from pathlib import Path

PASTA = Path(__file__).resolve().parent / "dados"
REGRAS = {
    "DATA_INFORMADA": "data_informada",
    "FIM_MANDATO": "fim_mandato",
    "DIAS_APOS_EMISSAO": "dias_apos_emissao",
    "SEM_VALIDADE": "sem_validade",
}


def _linhas(nome):
    with open(PASTA / nome, encoding="utf-8", newline="") as arquivo:
        yield from csv.DictReader(arquivo)


def _codigo(texto):
    return texto.replace("-", "").strip()


def carregar_catalogos(apps):
    """Cria naturezas, gêneros, tipos, grupos e obrigações que ainda não existem."""
    natureza = apps.get_model("parceiros", "NaturezaJuridica")
    genero = apps.get_model("parceiros", "Genero")
    tipo = apps.get_model("parceiros", "TipoParceiro")
    grupo = apps.get_model("parceiros", "GrupoObrigacao")
    obrigacao = apps.get_model("parceiros", "Obrigacao")

    for linha in _linhas("naturezas_juridicas.csv"):
        natureza.objects.get_or_create(
            codigo=_codigo(linha["codigo"]),
            defaults={"descricao": linha["descricao"], "categoria": int(linha["categoria"])},
        )
    naturezas = {n.codigo: n for n in natureza.objects.all()}
    tipos = {}
    for linha in _linhas("tipos_naturezas.csv"):
        g, _ = genero.objects.get_or_create(nome=linha["genero"])
        t, criado = tipo.objects.get_or_create(nome=linha["tipo"], defaults={"genero": g})
        if criado:
            t.naturezas.set(naturezas[_codigo(c)] for c in linha["naturezas"].split(";"))
        tipos[t.nome] = t
    _carregar_obrigacoes(grupo, obrigacao, tipos)


def _carregar_obrigacoes(grupo, obrigacao, tipos):
    grupos, ordem_grupo, novas = {}, 0, {}
    for ordem, linha in enumerate(_linhas("obrigacoes_cagec.csv")):
        if linha["grupo"] not in grupos:
            ordem_grupo += 1
            grupos[linha["grupo"]], _ = grupo.objects.get_or_create(
                nome=linha["grupo"], defaults={"ordem": ordem_grupo}
            )
        regra = REGRAS[linha["regra_validade"]]
        chave = {
            "grupo": grupos[linha["grupo"]],
            "nome": linha["obrigacao"],
            "descricao": linha["descricao"],
            "regra_validade": regra,
            "dias": int(linha["dias"]) if linha["dias"] else None,
            "obrigatoria": linha["obrigatoria"] == "sim",
            "mrosc": linha["mrosc"] == "sim",
        }
        item, criado = obrigacao.objects.get_or_create(**chave, defaults={"ordem": ordem})
        if criado or item.pk in novas:
            novas[item.pk] = item
            item.tipos.add(tipos[linha["tipo"]])
