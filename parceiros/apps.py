from django.apps import AppConfig


class ParceirosConfig(AppConfig):
    name = "parceiros"
    verbose_name = "Parceiros/Convenentes"

    def ready(self):
        # import tardio: modelos só podem ser importados com o registro de apps pronto.
        from accounts import ganchos
        from cagec.core.models import registrar_rotulos_de_estado
        from cagec.lib import armazenamento, saude

        from . import permissions, selectors, situacao
        from .models import Documento, Solicitacao

        # ``documento.aprovado`` → "Documento: aprovado" (o rótulo vem das choices).
        registrar_rotulos_de_estado("documento", "Documento", Documento.Status.choices)
        registrar_rotulos_de_estado("solicitacao", "Solicitação", Solicitacao.Status.choices)
        ganchos.ao_abrir_sessao(permissions.marcar_menu_analise)
        ganchos.ao_alterar_nome(situacao.nome_do_rl_mudou)
        ganchos.no_painel(selectors.resumo_do_painel)
        ganchos.na_validacao_de_cadastro(selectors.representacoes_ativas)
        ganchos.no_painel(selectors.resumo_da_analise)
        ganchos.na_exportacao_de_dados(selectors.dados_pessoais_nas_organizacoes)
        # /saude/prontidao/: o armazenamento dos documentos (e PDFs) grava, lê e apaga?
        saude.registrar("midia", armazenamento.verificar_midia)
