"""Índice de trigramas da busca por nome sem a lista pendente do GIN (issue #15).

Com ``fastupdate`` ligado (o padrão), cada linha nova ou atualizada de Parceiro (o recálculo
noturno muda a situação de milhares) entra numa lista pendente que **toda** busca percorre
inteira até o autovacuum a esvaziar: até 4 MB por consulta. Medido no banco do benchmark:
360 páginas pendentes, 448 blocos lidos numa busca que depois lê 88. Sem ``fastupdate`` a
gravação paga a inserção no índice na hora e a busca fica sempre no custo da árvore.
"""

from django.db import migrations

INDICE = "parceiro_busca_nome_trgm"


def desligar(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER INDEX IF EXISTS {INDICE} SET (fastupdate = off)")
    schema_editor.execute(
        f"SELECT gin_clean_pending_list('{INDICE}'::regclass) "
        f"WHERE to_regclass('{INDICE}') IS NOT NULL"
    )


def religar(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX IF EXISTS {INDICE} SET (fastupdate = on)")


class Migration(migrations.Migration):
    dependencies = [("parceiros", "0020_fila_importacao_progresso")]

    operations = [migrations.RunPython(desligar, religar, elidable=True)]
