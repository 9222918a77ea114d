"""Rotas da API ``/api/v1/`` (incluídas em ``cagec/urls.py`` com o prefixo)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from . import docs, erros, views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.Referencia.as_view(url_name="api:schema"), name="docs"),
    path("parceiros/", views.ListaDeParceiros.as_view(), name="parceiros"),
    # <path:>: o CNPJ formatado tem "/" (12.345.678/0001-95) e também vale no caminho.
    path("parceiros/<path:cnpj>/regularidade", views.Regularidade.as_view(), name="regularidade"),
    path("verificacoes/<str:codigo>", views.Verificacao.as_view(), name="verificacao"),
    path("webhooks/", include("api.urls_webhooks")),
    # Qualquer outro caminho em /api/v1/: 404 em JSON, não a página HTML do portal.
    re_path(r"^(?P<caminho>.*)$", erros.nao_encontrado),
]
