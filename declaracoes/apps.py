from django.apps import AppConfig


class DeclaracoesConfig(AppConfig):
    name = "declaracoes"
    verbose_name = "Declarações e certificados"
