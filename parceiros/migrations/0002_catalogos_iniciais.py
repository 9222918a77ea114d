from django.db import migrations


class Migration(migrations.Migration):
    """A carga dos catálogos passou para a 0008 (depois da coluna ``semente``)."""

    dependencies = [("parceiros", "0001_initial")]

    operations = []
