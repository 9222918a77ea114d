"""Rotas só dos testes das chaves e dos webhooks: um eco com a autenticação e os limites da
API (antes de existirem os endpoints de leitura), os webhooks do cliente e o portal."""

from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.chaves import AutenticacaoPorChave
from api.limites import LimiteAnonimoPorIp, LimitePorChave


class Eco(APIView):
    authentication_classes = [AutenticacaoPorChave]
    permission_classes = [AllowAny]
    throttle_classes = [LimiteAnonimoPorIp, LimitePorChave]

    def get(self, request: Request) -> Response:
        chave = request.auth
        return Response({"chave": chave.prefixo if chave is not None else None})


urlpatterns = [
    path("api/v1/eco/", Eco.as_view()),
    path("api/v1/webhooks/", include("api.urls_webhooks")),
    path("", include("cagec.urls")),  # o resto do portal (links dos e-mails da situação)
]
