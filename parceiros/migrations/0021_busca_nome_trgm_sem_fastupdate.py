"""Índice de trigramas da busca por nome: a lista pendente do GIN esvaziada (issue #15).

Com ``fastupdate`` (o padrão), cada linha nova ou atualizada de Parceiro entra numa lista
pendente que **toda** busca percorre inteira até o autovacuum a esvaziar: no banco do
benchmark, 360 páginas pendentes, 448 blocos lidos numa busca que depois lê 88. Desligar o
``fastupdate`` deixou a importação de 100 000 linhas 2x mais lenta (cada linha entra na
árvore na hora); fica ligado, e quem grava em massa esvazia a lista no fim
(``situacao.limpar_busca_pendente``, chamada pelo recálculo, que a importação também roda).
Aqui: o ``fastupdate`` no padrão e a lista esvaziada uma vez. (O nome do arquivo é o da
primeira versão, que o desligava: bancos que já a aplicaram não ficam com o histórico torto.)
"""

from django.db import migrations

INDICE = "parceiro_busca_nome_trgm"


def esvaziar(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER INDEX IF EXISTS {INDICE} RESET (fastupdate)")
    schema_editor.execute(
        f"SELECT gin_clean_pending_list('{INDICE}'::regclass) "
        f"WHERE to_regclass('{INDICE}') IS NOT NULL"
    )


class Migration(migrations.Migration):
    dependencies = [("parceiros", "0020_fila_importacao_progresso")]

    operations = [migrations.RunPython(esvaziar, migrations.RunPython.noop, elidable=True)]
