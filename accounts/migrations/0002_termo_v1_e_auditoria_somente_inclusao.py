from pathlib import Path

from django.db import migrations

TEXTO = (Path(__file__).resolve().parent.parent / "dados" / "termo_uso_v1.txt").read_text("utf-8")

GATILHO = """
CREATE OR REPLACE FUNCTION cagec_auditoria_somente_inclusao() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'A trilha de auditoria é somente inclusão (%%).', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER auditoria_somente_inclusao
  BEFORE UPDATE OR DELETE ON accounts_registroauditoria
  FOR EACH ROW EXECUTE FUNCTION cagec_auditoria_somente_inclusao();
"""
REMOVER = """
DROP TRIGGER IF EXISTS auditoria_somente_inclusao ON accounts_registroauditoria;
DROP FUNCTION IF EXISTS cagec_auditoria_somente_inclusao();
"""


def criar_termo(apps, schema_editor):
    TermoUso = apps.get_model("accounts", "TermoUso")
    if not TermoUso.objects.exists():
        TermoUso.objects.create(
            versao=1, titulo="Termo de Uso e Política de Privacidade do Portal CAGEC", texto=TEXTO
        )


def gatilho(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GATILHO)


def remover_gatilho(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVER)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.RunPython(criar_termo, migrations.RunPython.noop),
        migrations.RunPython(gatilho, remover_gatilho),
    ]
