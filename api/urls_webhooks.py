"""Rotas dos webhooks do cliente com chave (incluídas em ``api/urls.py``: ``webhooks/``)."""

from django.urls import path

from . import webhooks_views

urlpatterns = [
    path("", webhooks_views.WebhooksView.as_view(), name="webhooks"),
    path("<int:pk>/", webhooks_views.WebhookView.as_view(), name="webhook"),
]
