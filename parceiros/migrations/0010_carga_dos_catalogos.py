from django.db import migrations


def preencher_sementes_e_carregar(apps, schema_editor):
    """Bancos que já tinham os catálogos (da antiga 0002): marca cada linha com a sua
    semente pela chave natural de antes; depois carrega o que faltar (bancos novos)."""
    from parceiros.catalogos import REGRAS, _linhas, carregar_catalogos, semente

    genero = apps.get_model("parceiros", "Genero")
    tipo = apps.get_model("parceiros", "TipoParceiro")
    grupo = apps.get_model("parceiros", "GrupoObrigacao")
    obrigacao = apps.get_model("parceiros", "Obrigacao")
    for linha in _linhas("tipos_naturezas.csv"):
        genero.objects.filter(nome=linha["genero"], semente="").update(
            semente=semente(linha["genero"])
        )
        tipo.objects.filter(nome=linha["tipo"], semente="").update(semente=semente(linha["tipo"]))
    for linha in _linhas("obrigacoes_cagec.csv"):
        grupo.objects.filter(nome=linha["grupo"], semente="").update(
            semente=semente(linha["grupo"])
        )
        obrigacao.objects.filter(
            semente="",
            grupo__nome=linha["grupo"],
            nome=linha["obrigacao"],
            descricao=linha["descricao"],
            regra_validade=REGRAS[linha["regra_validade"]],
            dias=int(linha["dias"]) if linha["dias"] else None,
            obrigatoria=linha["obrigatoria"] == "sim",
            mrosc=linha["mrosc"] == "sim",
        ).update(
            semente=semente(
                linha["grupo"],
                *(linha[c] for c in ("obrigacao", "descricao", "regra_validade", "dias")),
                *(linha[c] for c in ("obrigatoria", "mrosc")),
            )
        )
    carregar_catalogos(apps)


class Migration(migrations.Migration):
    """Separada da 0008: no PostgreSQL, dados e índices novos na mesma transação falham
    ("pending trigger events")."""

    dependencies = [("parceiros", "0009_documento_substituido_na_solicitacao")]

    operations = [migrations.RunPython(preencher_sementes_e_carregar, migrations.RunPython.noop)]
