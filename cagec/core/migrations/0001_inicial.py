"""Estado de ``TokenAcesso``, ``EmailSaida`` e ``RegistroAuditoria`` passa de ``accounts`` para
``core`` SEM tocar no banco: as tabelas (``accounts_*``), os dados, os índices e o gatilho
somente inclusão da auditoria (accounts 0002) ficam como estão. Só o estado das migrações
muda (``SeparateDatabaseAndState``), e os tipos de conteúdo (permissões dadas a grupos no
admin) passam a apontar para ``core``.
"""

# Gerado por Django 5.2.19 em 2026-12-05 09:42

import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MODELOS = ("tokenacesso", "emailsaida", "registroauditoria")


def _mover_tipos_de_conteudo(apps, de, para):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for modelo in MODELOS:
        if not ContentType.objects.filter(app_label=para, model=modelo).exists():
            ContentType.objects.filter(app_label=de, model=modelo).update(app_label=para)


def para_core(apps, schema_editor):
    _mover_tipos_de_conteudo(apps, "accounts", "core")


def para_accounts(apps, schema_editor):
    _mover_tipos_de_conteudo(apps, "core", "accounts")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0008_modelos_para_core"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='TokenAcesso',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('finalidade', models.CharField(choices=[('primeiro_acesso', 'Primeiro acesso / validação de cadastro'), ('recuperacao_senha', 'Recuperação de senha'), ('troca_email', 'Confirmação de novo e-mail')], max_length=20)),
                        ('token_hash', models.CharField(max_length=64, unique=True)),
                        ('dados', models.JSONField(blank=True, default=dict)),
                        ('expira_em', models.DateTimeField()),
                        ('usado_em', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('usuario', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tokens', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'token de acesso',
                        'verbose_name_plural': 'tokens de acesso',
                        'db_table': 'accounts_tokenacesso',
                    },
                ),
                migrations.CreateModel(
                    name='EmailSaida',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('evento', models.CharField(max_length=60)),
                        ('destinatario', models.EmailField(max_length=254)),
                        ('assunto', models.CharField(max_length=300)),
                        ('corpo_texto', models.TextField()),
                        ('corpo_html', models.TextField()),
                        ('status', models.CharField(choices=[('pendente', 'Pendente'), ('enviado', 'Enviado'), ('falhou', 'Falhou (desistimos após várias tentativas)')], default='pendente', max_length=10)),
                        ('tentativas', models.PositiveSmallIntegerField(default=0)),
                        ('ultimo_erro', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('enviado_em', models.DateTimeField(blank=True, null=True)),
                        ('usuario', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='emails', to=settings.AUTH_USER_MODEL)),
                        ('token', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='emails', to='core.tokenacesso')),
                    ],
                    options={
                        'verbose_name': 'e-mail (caixa de saída)',
                        'verbose_name_plural': 'e-mails (caixa de saída)',
                        'db_table': 'accounts_emailsaida',
                    },
                ),
                migrations.CreateModel(
                    name='RegistroAuditoria',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='quando')),
                        ('acao', models.CharField(db_index=True, max_length=60, verbose_name='ação')),
                        ('objeto_tipo', models.CharField(blank=True, max_length=60, verbose_name='tipo do objeto')),
                        ('objeto_id', models.CharField(blank=True, max_length=40, verbose_name='id do objeto')),
                        ('descricao', models.CharField(blank=True, max_length=300, verbose_name='descrição')),
                        ('antes', models.JSONField(blank=True, null=True)),
                        ('depois', models.JSONField(blank=True, null=True)),
                        ('ip', models.GenericIPAddressField(blank=True, null=True)),
                        ('ator', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('usuario_afetado', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='auditoria', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'registro de auditoria',
                        'verbose_name_plural': 'registros de auditoria',
                        'db_table': 'accounts_registroauditoria',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['objeto_tipo', 'objeto_id'], name='accounts_re_objeto__ed62a0_idx')],
                    },
                ),
                migrations.AddIndex(
                    model_name='tokenacesso',
                    index=models.Index(fields=['usuario', 'finalidade'], name='accounts_to_usuario_ff08cf_idx'),
                ),
                migrations.AddIndex(
                    model_name='emailsaida',
                    index=models.Index(fields=['status', 'created_at'], name='accounts_em_status_1d6eb7_idx'),
                ),
                migrations.AddIndex(
                    model_name='emailsaida',
                    index=models.Index(django.db.models.functions.text.Upper('destinatario'), models.F('evento'), models.F('created_at'), name='emailsaida_destinatario'),
                ),
            ],
        ),
        migrations.RunPython(para_core, para_accounts),
    ]
