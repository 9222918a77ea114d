"""Assinar encaminha para análise: as solicitações já assinadas e ainda paradas em
*Aguardando assinatura* (o fluxo antigo pedia um “Encaminhar para análise” à parte) vão para
*Em análise*, com ``enviada_em`` = hora da assinatura e a transição em nome de quem assinou.

Sem e-mails: só acerta o estado. Vale a declaração não revogada, assinada pelo RL atual da
solicitação depois da última entrada em *Aguardando assinatura*.
"""

from django.db import migrations

AGUARDANDO = "aguardando_assinatura"
EM_ANALISE = "em_analise"
MOTIVO = (
    "Declaração de autenticidade assinada pelo representante legal; "
    "solicitação enviada para análise."
)


def _declaracao_vigente(solicitacao, Declaracao, TransicaoSolicitacao):
    entrada = (
        TransicaoSolicitacao.objects.filter(solicitacao=solicitacao, para=AGUARDANDO)
        .order_by("-created_at")
        .first()
    )
    desde = entrada.created_at if entrada else solicitacao.created_at
    return (
        Declaracao.objects.filter(
            solicitacao=solicitacao,
            revogada_em=None,
            assinada_em__gte=desde,
            signatario_id=solicitacao.representante_legal_id,
        )
        .order_by("-assinada_em")
        .first()
    )


def encaminhar_assinadas(apps, schema_editor):
    Solicitacao = apps.get_model("parceiros", "Solicitacao")
    TransicaoSolicitacao = apps.get_model("parceiros", "TransicaoSolicitacao")
    Declaracao = apps.get_model("declaracoes", "Declaracao")
    for solicitacao in Solicitacao.objects.filter(status=AGUARDANDO).iterator():
        declaracao = _declaracao_vigente(solicitacao, Declaracao, TransicaoSolicitacao)
        if declaracao is None:
            continue
        Solicitacao.objects.filter(pk=solicitacao.pk).update(
            status=EM_ANALISE, enviada_em=declaracao.assinada_em
        )
        TransicaoSolicitacao.objects.create(
            solicitacao=solicitacao,
            de=AGUARDANDO,
            para=EM_ANALISE,
            usuario_id=declaracao.signatario_id,
            motivo=MOTIVO,
            created_at=declaracao.assinada_em,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("declaracoes", "0002_certificado"),
        ("parceiros", "0018_importacao_cadastro"),
    ]

    operations = [migrations.RunPython(encaminhar_assinadas, migrations.RunPython.noop)]
