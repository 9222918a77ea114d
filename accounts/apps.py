from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Contas de usuário"

    def ready(self):
        # import tardio: modelos só podem ser importados com o registro de apps pronto.
        from axes.models import AccessAttempt
        from django.db.models.signals import pre_save

        from cagec.core.models import registrar_rotulos

        from .autenticacao import sem_dados_do_formulario
        from .models import ACOES_LEGIVEIS

        registrar_rotulos(ACOES_LEGIVEIS)

        pre_save.connect(
            sem_dados_do_formulario, sender=AccessAttempt, dispatch_uid="accounts.axes_sem_dados"
        )
