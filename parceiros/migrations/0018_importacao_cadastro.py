# O modelo da importação de cadastro veio de ``accounts`` (0008) com o pacote da importação:
# só o estado muda, a tabela ``accounts_importacaocadastro`` é adotada como está (sem cópia).
# O tipo de conteúdo muda de app, e com ele as permissões já dadas a grupos e pessoas.

import django.db.models.deletion
import django.utils.timezone
import parceiros.models
from django.conf import settings
from django.db import migrations, models


def mover_tipo_de_conteudo(apps, schema_editor, de="accounts", para="parceiros"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=para, model="importacaocadastro").exists():
        ContentType.objects.filter(app_label=de, model="importacaocadastro").update(
            app_label=para
        )


def voltar_tipo_de_conteudo(apps, schema_editor):
    mover_tipo_de_conteudo(apps, schema_editor, de="parceiros", para="accounts")


class Migration(migrations.Migration):

    dependencies = [
        ('parceiros', '0017_vence_em_so_do_documento'),
        ('accounts', '0009_importacao_para_parceiros'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ImportacaoCadastro',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('arquivo', models.FileField(max_length=200, upload_to=parceiros.models.caminho_importacao)),
                        ('nome', models.CharField(max_length=200, verbose_name='nome do arquivo')),
                        ('arquivo_organizacoes', models.FileField(blank=True, max_length=200, upload_to=parceiros.models.caminho_importacao)),
                        ('nome_organizacoes', models.CharField(blank=True, max_length=200, verbose_name='nome do arquivo de organizações')),
                        ('status', models.CharField(choices=[('aguardando', 'Aguardando validação'), ('validando', 'Validando'), ('pronta', 'Pronta para confirmar'), ('importando', 'Importando'), ('concluida', 'Concluída'), ('falhou', 'Falhou')], default='aguardando', max_length=12)),
                        ('contagens', models.JSONField(blank=True, default=dict, verbose_name='contagens da prévia')),
                        ('resultado', models.JSONField(blank=True, default=dict, verbose_name='contagens da importação')),
                        ('primeiros_erros', models.JSONField(blank=True, default=list)),
                        ('total_erros', models.PositiveIntegerField(default=0)),
                        ('arquivo_erros', models.FileField(blank=True, max_length=200, upload_to=parceiros.models.caminho_importacao)),
                        ('mensagem', models.TextField(blank=True, verbose_name='mensagem')),
                        ('processadas', models.PositiveIntegerField(default=0, verbose_name='linhas processadas')),
                        ('total', models.PositiveIntegerField(default=0, verbose_name='linhas no arquivo')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='enviada em')),
                        ('iniciada_em', models.DateTimeField(blank=True, null=True, verbose_name='importação iniciada em')),
                        ('concluida_em', models.DateTimeField(blank=True, null=True, verbose_name='concluída em')),
                        ('confirmado_por', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('criado_por', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'importação de cadastro',
                        'verbose_name_plural': 'importações de cadastro',
                        'db_table': 'accounts_importacaocadastro',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(mover_tipo_de_conteudo, voltar_tipo_de_conteudo),
    ]
