from django.apps import AppConfig


class ParceirosConfig(AppConfig):
    name = "parceiros"
    verbose_name = "Parceiros/Convenentes"
