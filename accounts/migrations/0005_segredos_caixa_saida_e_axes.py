"""Nenhum segredo utilizável guardado: links de uso único na caixa de saída e CPFs no axes.

1. ``EmailSaida.token``: os corpos passam a guardar ``TOKEN-OCULTO`` no lugar do token; a
   linha referencia o ``TokenAcesso`` e o token é sorteado só na entrega. As linhas antigas
   têm o token trocado pelo marcador e ganham a referência (achada pelo hash): as pendentes
   saem com um token novo e as enviadas podem ser reenviadas pelo admin. Links já entregues
   continuam valendo até o uso ou o vencimento (no máximo 72 h), para não invalidar o
   e-mail que a pessoa já recebeu.
2. django-axes: o "username" vira ``chave_do_cpf`` (CPF mascarado + HMAC), o GET/POST das
   tentativas é apagado e o registro de entradas bem-sucedidas (AccessLog, com CPF e IP)
   é descartado — as entradas já estão na auditoria (``usuario.login``).
"""

import hashlib
import re

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q

from accounts.autenticacao import chave_do_cpf

MARCADOR = "TOKEN-OCULTO"
# Os três caminhos com token (accounts/urls.py) no momento desta migração.
CAMINHOS = ("/primeiro-acesso/", "/recuperar-senha/", "/minha-conta/email/")
LINK_COM_TOKEN = re.compile(
    r"(/(?:primeiro-acesso|recuperar-senha|minha-conta/email)/)([A-Za-z0-9_-]{16,})(/)"
)


def esconder_tokens(apps, schema_editor):
    EmailSaida = apps.get_model("accounts", "EmailSaida")
    TokenAcesso = apps.get_model("accounts", "TokenAcesso")
    filtro = Q()
    for caminho in CAMINHOS:
        filtro |= Q(corpo_texto__contains=caminho) | Q(corpo_html__contains=caminho)
    pks = list(EmailSaida.objects.filter(filtro).order_by("pk").values_list("pk", flat=True))
    lotes = (pks[i : i + 500] for i in range(0, len(pks), 500))
    for email in (e for lote in lotes for e in EmailSaida.objects.filter(pk__in=lote)):
        brutos = {
            m.group(2)
            for corpo in (email.corpo_texto, email.corpo_html)
            for m in LINK_COM_TOKEN.finditer(corpo)
        } - {MARCADOR}
        if not brutos:
            continue
        hashes = [hashlib.sha256(b.encode()).hexdigest() for b in brutos]
        token = TokenAcesso.objects.filter(token_hash__in=hashes).order_by("-pk").first()
        trocar = lambda corpo: LINK_COM_TOKEN.sub(rf"\g<1>{MARCADOR}\g<3>", corpo)  # noqa: E731
        EmailSaida.objects.filter(pk=email.pk).update(
            corpo_texto=trocar(email.corpo_texto),
            corpo_html=trocar(email.corpo_html),
            token=token,
        )


def minimizar_axes(apps, schema_editor):
    AccessAttempt = apps.get_model("axes", "AccessAttempt")
    AccessFailureLog = apps.get_model("axes", "AccessFailureLog")
    AccessLog = apps.get_model("axes", "AccessLog")
    for modelo in (AccessAttempt, AccessFailureLog):
        antigas = modelo.objects.exclude(username__contains=" #").values_list("pk", "username")
        for pk, username in list(antigas):
            chave = chave_do_cpf(username or "")
            if chave:
                modelo.objects.filter(pk=pk).update(username=chave)
            else:  # sem CPF: nada a contar (e várias virariam a mesma tentativa)
                modelo.objects.filter(pk=pk).delete()
    AccessAttempt.objects.exclude(get_data="", post_data="").update(get_data="", post_data="")
    AccessLog.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_importacao_arquivo_organizacoes"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [
        migrations.AddField(
            model_name="emailsaida",
            name="token",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="emails",
                to="accounts.tokenacesso",
            ),
        ),
        migrations.RunPython(esconder_tokens, migrations.RunPython.noop),
        migrations.RunPython(minimizar_axes, migrations.RunPython.noop),
    ]
