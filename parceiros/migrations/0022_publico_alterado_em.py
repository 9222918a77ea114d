"""Issue #16: quando o registro público de cada Parceiro mudou (sincronização da API).

As linhas existentes partem de ``updated_at`` (a última gravação conhecida); dali em diante o
campo sobe junto com ``versao_publica`` (``parceiros.situacao``).
"""

import django.db.models.functions.datetime
from django.db import migrations, models
from django.db.models import F


def preencher(apps, schema_editor):
    Parceiro = apps.get_model("parceiros", "Parceiro")
    Parceiro.objects.update(publico_alterado_em=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("parceiros", "0021_busca_nome_trgm_sem_fastupdate"),
    ]

    operations = [
        migrations.AddField(
            model_name="parceiro",
            name="publico_alterado_em",
            field=models.DateTimeField(
                db_default=django.db.models.functions.datetime.Now(),
                editable=False,
                verbose_name="dados públicos alterados em",
            ),
        ),
        migrations.RunPython(preencher, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="parceiro",
            index=models.Index(
                fields=["publico_alterado_em", "id"], name="parceiro_publico_alterado"
            ),
        ),
    ]
