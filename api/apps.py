from django.apps import AppConfig


class ApiConfig(AppConfig):
    """A interface de máquina do cadastro (issue #16): API ``/api/v1/``, chaves, webhooks."""

    name = "api"
    verbose_name = "API e integrações"
