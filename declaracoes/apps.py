from django.apps import AppConfig


class DeclaracoesConfig(AppConfig):
    name = "declaracoes"
    verbose_name = "Declarações e certificados"

    def ready(self):
        # import tardio: modelos só podem ser importados com o registro de apps pronto.
        from accounts import ganchos

        from . import selectors

        ganchos.no_painel(selectors.resumo_do_painel)
