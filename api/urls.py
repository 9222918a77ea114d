"""Rotas da API ``/api/v1/`` (incluídas em ``cagec/urls.py`` com o prefixo)."""

app_name = "api"

urlpatterns: list = []
