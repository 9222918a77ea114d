# A importação de cadastro (e o seu modelo) mudou para ``parceiros``: só o estado sai daqui;
# a tabela ``accounts_importacaocadastro`` fica onde está (``parceiros`` 0017 a adota).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_modelos_para_core'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='ImportacaoCadastro')],
            database_operations=[],
        ),
    ]
