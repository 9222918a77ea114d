"""Aceite da indicação (issue #11): o RL indicado por CPF e o RI incluído pelo RL confirmam.

Os vínculos que já existem ficam como aceitos (``default`` na hora da migração). Nas
solicitações, a indicação já está aceita quando não houve indicação por CPF (o RL é quem
preparou, ou é o RL atual do Parceiro nas atualizações) ou quando o RL já assinou e a
solicitação seguiu para a análise.
"""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F, Q

_INDICADO_POR_CPF = ["inscricao", "vinculacao_rl"]
_DEPOIS_DA_ASSINATURA = ["em_analise", "aprovada", "aprovada_parcialmente", "reprovada"]


def marcar_aceitas(apps, schema_editor):
    Solicitacao = apps.get_model("parceiros", "Solicitacao")
    Solicitacao.objects.filter(representante_legal__isnull=False).filter(
        Q(representante_legal=F("solicitante"))
        | ~Q(tipo__in=_INDICADO_POR_CPF)
        | Q(status__in=_DEPOIS_DA_ASSINATURA)
    ).update(representante_aceite_em=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("parceiros", "0015_armazenamento_aviso_inatividade"),
    ]

    operations = [
        migrations.AddField(
            model_name="solicitacao",
            name="representante_aceite_em",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="indicação aceita pelo representante legal em"
            ),
        ),
        migrations.AddField(
            model_name="vinculo",
            name="aceito_em",
            field=models.DateTimeField(
                default=django.utils.timezone.now, null=True, verbose_name="confirmado pela pessoa em"
            ),
        ),
        migrations.RunPython(marcar_aceitas, migrations.RunPython.noop),
    ]
