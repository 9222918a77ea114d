from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSOES = [
    ("parceiros", "analisar_solicitacao"),
    ("parceiros", "view_solicitacao"),
    ("parceiros", "view_parceiro"),
    ("parceiros", "change_parceiro"),
    ("parceiros", "view_documento"),
    ("parceiros", "view_vinculo"),
    ("parceiros", "view_motivopadrao"),
    ("parceiros", "add_motivopadrao"),
    ("parceiros", "change_motivopadrao"),
    ("declaracoes", "view_declaracao"),
    ("accounts", "view_usuario"),
]

MOTIVOS = [
    (
        "Documento ilegível",
        "O documento enviado está ilegível ou incompleto. Envie uma cópia digitalizada "
        "legível, com todas as páginas.",
    ),
    (
        "Documento vencido",
        "O documento enviado está vencido. Envie a versão atualizada, dentro da validade.",
    ),
    (
        "Documento não corresponde",
        "O arquivo enviado não corresponde ao documento exigido neste item.",
    ),
    (
        "Dados divergentes",
        "Os dados informados divergem dos documentos apresentados ou dos dados da Receita "
        "Federal. Corrija e envie novamente.",
    ),
]


def criar(apps, schema_editor):
    # Num banco novo as permissões só nascem no post_migrate; a migração precisa delas já.
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, verbosity=0)
        config.models_module = None
    criar_grupo_e_motivos(apps)


def criar_grupo_e_motivos(apps):
    """Grupo Analista com as suas permissões e os motivos padrão (idempotente)."""
    grupo_modelo = apps.get_model("auth", "Group")
    permissao = apps.get_model("auth", "Permission")
    grupo, _ = grupo_modelo.objects.get_or_create(name="Analista")
    for app, codigo in PERMISSOES:
        grupo.permissions.add(
            permissao.objects.get(content_type__app_label=app, codename=codigo)
        )
    motivo = apps.get_model("parceiros", "MotivoPadrao")
    for titulo, texto in MOTIVOS:
        motivo.objects.get_or_create(titulo=titulo, defaults={"texto": texto})


class Migration(migrations.Migration):
    dependencies = [
        ("parceiros", "0005_analise"),
        ("declaracoes", "0001_initial"),
        ("accounts", "0002_termo_v1_e_auditoria_somente_inclusao"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(criar, migrations.RunPython.noop)]
