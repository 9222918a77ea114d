"""``TokenAcesso``, ``EmailSaida`` e ``RegistroAuditoria`` saem do estado de ``accounts``.

Só o estado: as tabelas continuam (``accounts_tokenacesso``, ``accounts_emailsaida``,
``accounts_registroauditoria``) e passam a pertencer a ``cagec.core`` (core 0001), com os
dados, os índices e o gatilho somente inclusão da auditoria.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_identidade_cpf_confirmado")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="EmailSaida"),
                migrations.DeleteModel(name="RegistroAuditoria"),
                migrations.DeleteModel(name="TokenAcesso"),
            ],
        ),
    ]
