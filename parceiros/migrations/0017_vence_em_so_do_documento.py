"""``vence_em`` passa a ser só a data do próprio documento (data informada, N dias após a
emissão). Em ``fim_mandato`` a análise copiava o fim do mandato ali, uma cópia que ninguém
lia e que ficava velha quando o mandato mudava: o vencimento desses documentos vem do
vínculo, na hora (``Documento.objects.com_vencimento_efetivo``)."""

from django.db import migrations, models


def apagar_copias_do_mandato(apps, schema_editor):
    Documento = apps.get_model("parceiros", "Documento")
    Documento.objects.exclude(
        regra_validade__in=["data_informada", "dias_apos_emissao"]
    ).exclude(vence_em__isnull=True).update(vence_em=None)


class Migration(migrations.Migration):
    dependencies = [
        ("parceiros", "0016_oraculos_aceite_das_indicacoes"),
    ]

    operations = [
        # Sem volta: a cópia não era lida; o fim do mandato segue no vínculo.
        migrations.RunPython(apagar_copias_do_mandato, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="documento",
            constraint=models.CheckConstraint(
                condition=models.Q(regra_validade__in=["data_informada", "dias_apos_emissao"])
                | models.Q(vence_em__isnull=True),
                name="documento_vence_em_so_com_data_do_documento",
            ),
        ),
    ]
