from django.apps import AppConfig


class DeclaracoesConfig(AppConfig):
    name = "declaracoes"
    verbose_name = "Declarações e certificados"

    def ready(self):
        # import tardio: modelos só podem ser importados com o registro de apps pronto.
        from accounts import ganchos
        from parceiros import ganchos as ganchos_parceiros

        from . import selectors

        ganchos.no_painel(selectors.resumo_do_painel)
        ganchos.na_exportacao_de_dados(selectors.declaracoes_assinadas_por)
        ganchos_parceiros.na_linha_do_tempo(selectors.eventos_da_solicitacao)
        ganchos_parceiros.no_detalhe_da_solicitacao(selectors.no_detalhe_da_solicitacao)
