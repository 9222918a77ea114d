from django.apps import AppConfig


class ApiConfig(AppConfig):
    """A interface de máquina do cadastro (issue #16): API ``/api/v1/``, chaves, webhooks."""

    name = "api"
    verbose_name = "API e integrações"

    def ready(self) -> None:
        # import tardio: modelos só podem ser importados com o registro de apps pronto.
        from cagec.core.models import registrar_rotulos
        from parceiros import ganchos

        from . import esquema, services, webhooks  # noqa: F401  # esquema: a extensão do OpenAPI

        registrar_rotulos(services.ROTULOS)
        ganchos.ao_alterar_situacao(webhooks.situacao_alterada)
        ganchos.ao_alterar_impedimento(webhooks.impedimento_alterado)
