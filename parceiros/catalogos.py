"""Carga dos catálogos iniciais (naturezas, gêneros, tipos, obrigações) dos CSV em ``dados/``.

Usada pelas migrações de dados (com os modelos históricos) e pelo comando
``carregar_catalogos``. Só cria o que falta. Cada linha criada guarda uma ``semente`` (hash
da linha original do CSV): é por ela que a carga reconhece o registro depois, então
renomear, mudar a regra ou desativar no admin não faz a carga recriar o original.
Uma Obrigação é a mesma para vários Tipos quando grupo, nome, descrição e regra coincidem.
"""

import csv
import hashlib
from pathlib import Path

PASTA = Path(__file__).resolve().parent / "dados"
REGRAS = {
    "DATA_INFORMADA": "data_informada",
    "FIM_MANDATO": "fim_mandato",
    "DIAS_APOS_EMISSAO": "dias_apos_emissao",
    "SEM_VALIDADE": "sem_validade",
}


def semente(*partes):
    return hashlib.sha1("|".join(partes).encode(), usedforsecurity=False).hexdigest()[:20]


def _linhas(nome):
    with open(PASTA / nome, encoding="utf-8", newline="") as arquivo:
        yield from csv.DictReader(arquivo)


def _codigo(texto):
    return texto.replace("-", "").strip()


def _obter(modelo, chave, defaults):
    """Registro da carga inicial pela semente; cria com ``defaults`` se não existe."""
    existente = modelo.objects.filter(semente=chave).first()
    if existente:
        return existente, False
    return modelo.objects.create(semente=chave, **defaults), True


def carregar_catalogos(apps):
    """Cria naturezas, gêneros, tipos, grupos e obrigações que ainda não existem."""
    natureza = apps.get_model("parceiros", "NaturezaJuridica")
    genero = apps.get_model("parceiros", "Genero")
    tipo = apps.get_model("parceiros", "TipoParceiro")

    for linha in _linhas("naturezas_juridicas.csv"):
        natureza.objects.get_or_create(
            codigo=_codigo(linha["codigo"]),
            defaults={"descricao": linha["descricao"], "categoria": int(linha["categoria"])},
        )
    naturezas = {n.codigo: n for n in natureza.objects.all()}
    tipos = {}
    for linha in _linhas("tipos_naturezas.csv"):
        g, _ = _obter(genero, semente(linha["genero"]), {"nome": linha["genero"]})
        t, criado = _obter(tipo, semente(linha["tipo"]), {"nome": linha["tipo"], "genero": g})
        if criado:
            t.naturezas.set(naturezas[_codigo(c)] for c in linha["naturezas"].split(";"))
        tipos[linha["tipo"]] = t
    _carregar_obrigacoes(apps, tipos)


def _carregar_obrigacoes(apps, tipos):
    grupo = apps.get_model("parceiros", "GrupoObrigacao")
    obrigacao = apps.get_model("parceiros", "Obrigacao")
    grupos, novas = {}, set()
    for ordem, linha in enumerate(_linhas("obrigacoes_cagec.csv")):
        nome_grupo = linha["grupo"]
        if nome_grupo not in grupos:
            grupos[nome_grupo], _ = _obter(
                grupo, semente(nome_grupo), {"nome": nome_grupo, "ordem": len(grupos) + 1}
            )
        campos = {
            "grupo": grupos[nome_grupo],
            "nome": linha["obrigacao"],
            "descricao": linha["descricao"],
            "regra_validade": REGRAS[linha["regra_validade"]],
            "dias": int(linha["dias"]) if linha["dias"] else None,
            "obrigatoria": linha["obrigatoria"] == "sim",
            "mrosc": linha["mrosc"] == "sim",
            "ordem": ordem,
        }
        chave = semente(
            nome_grupo,
            *(linha[c] for c in ("obrigacao", "descricao", "regra_validade", "dias")),
            *(linha[c] for c in ("obrigatoria", "mrosc")),
        )
        item, criado = _obter(obrigacao, chave, campos)
        if criado or item.pk in novas:
            novas.add(item.pk)
            item.tipos.add(tipos[linha["tipo"]])
