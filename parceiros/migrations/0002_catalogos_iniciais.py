from django.db import migrations


def carregar(apps, schema_editor):
    from parceiros.catalogos import carregar_catalogos

    carregar_catalogos(apps)


class Migration(migrations.Migration):
    dependencies = [("parceiros", "0001_initial")]

    operations = [migrations.RunPython(carregar, migrations.RunPython.noop)]
