from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "cagec.worker"
    label = "worker"
    verbose_name = "Worker e fila"

    def ready(self) -> None:
        # A prontidão de cada peça é registrada pelo app dela (``cagec.lib.saude``).
        from cagec.lib import saude  # import tardio: só com o registro de apps pronto

        from . import batimento  # import tardio: batimento lê o modelo deste app

        saude.registrar("worker", batimento.verificar)
