from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cagec.core"
    label = "core"
    verbose_name = "Infraestrutura (e-mails e auditoria)"
