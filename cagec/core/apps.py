from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cagec.core"
    label = "core"
    verbose_name = "Infraestrutura (e-mails e auditoria)"

    def ready(self):
        # import tardio: os modelos só podem ser importados depois de o app estar pronto
        from cagec.lib import caixa_saida, saude

        from .models import registrar_rotulos  # import tardio: idem (modelos no ready)

        saude.registrar("caixa_de_saida", caixa_saida.verificacao_de_saude)
        registrar_rotulos(
            {
                "email.entrega_confirmada": "E-mail: entrega confirmada pela equipe",
                "email.reenvio_confirmado": "E-mail: não chegou, reenviado (mesmo Message-ID)",
            }
        )
