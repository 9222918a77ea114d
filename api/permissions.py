"""Quem pode o quê na API com chave: busca e autoriza numa chamada (de outra chave: 404)."""

from django.shortcuts import get_object_or_404
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from .models import ChaveApi, Webhook


class ComChave(BasePermission):
    """Só chamadas com uma chave válida (sem chave: 401 com ``WWW-Authenticate: Api-Key``)."""

    message = "Esta operação exige uma chave de API (cabeçalho Authorization: Api-Key <chave>)."

    def has_permission(self, request: Request, view: object) -> bool:
        if not isinstance(request.auth, ChaveApi):
            raise NotAuthenticated(self.message)
        return True


def get_webhook_da_chave(chave: ChaveApi, pk: int) -> Webhook:
    return get_object_or_404(Webhook, pk=pk, chave=chave, ativo=True)
