"""``/api/v1/webhooks/``: o cliente com chave cadastra, lista e desativa os seus webhooks.

Finas: a forma da entrada num serializer, a mudança em ``api.services``, a busca com
autorização em ``api.permissions``. Autenticação e limite declarados aqui (só chave).
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cagec.lib.auditoria import ip_do_request

from . import services
from .chaves import AutenticacaoPorChave
from .limites import LimitePorChave
from .models import Evento, Webhook
from .permissions import ComChave, get_webhook_da_chave
from .views import ERROS


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = Webhook
        fields = ["id", "url", "eventos", "ativo", "criado_em"]
        read_only_fields = fields


class NovoWebhookSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    eventos = serializers.ListField(
        child=serializers.ChoiceField(choices=Evento.values), required=False, min_length=1
    )


class WebhookCriadoSerializer(WebhookSerializer):
    segredo = serializers.CharField(read_only=True, help_text="Mostrado só nesta resposta.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "segredo"]
        read_only_fields = fields


class _ComChave(APIView):
    # A API é de leitura (sem parsers por padrão); o cadastro de webhooks recebe JSON.
    parser_classes = [JSONParser]
    authentication_classes = [AutenticacaoPorChave]
    permission_classes = [ComChave]
    throttle_classes = [LimitePorChave]


_ERROS_COM_CHAVE = {codigo: ERROS[codigo] for codigo in (401, 403, 429, 500)}


class WebhooksView(_ComChave):
    @extend_schema(
        operation_id="listar_webhooks",
        summary="Webhooks ativos da chave",
        responses={200: WebhookSerializer(many=True), **_ERROS_COM_CHAVE},
    )
    def get(self, request: Request) -> Response:
        webhooks = Webhook.objects.filter(chave=request.auth, ativo=True).order_by("pk")
        return Response(WebhookSerializer(webhooks, many=True).data)

    @extend_schema(
        operation_id="cadastrar_webhook",
        summary="Cadastrar um webhook (o segredo da assinatura aparece só nesta resposta)",
        request=NovoWebhookSerializer,
        responses={201: WebhookCriadoSerializer, 400: ERROS[400], **_ERROS_COM_CHAVE},
    )
    def post(self, request: Request) -> Response:
        entrada = NovoWebhookSerializer(data=request.data)
        entrada.is_valid(raise_exception=True)
        dados: dict[str, Any] = entrada.validated_data
        try:
            webhook, segredo = services.cadastrar_webhook(
                request.auth, dados["url"], eventos=dados.get("eventos"), ip=ip_do_request(request)
            )
        except services.ErroDaApi as erro:
            raise ValidationError({"url": [str(erro)]}) from erro
        webhook.segredo = segredo
        resposta = Response(WebhookCriadoSerializer(webhook).data, status=status.HTTP_201_CREATED)
        resposta["Cache-Control"] = "no-store"
        return resposta


class WebhookView(_ComChave):
    @extend_schema(
        operation_id="ver_webhook",
        summary="Um webhook da chave",
        responses={200: WebhookSerializer, 404: ERROS[404], **_ERROS_COM_CHAVE},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(WebhookSerializer(get_webhook_da_chave(request.auth, pk)).data)

    @extend_schema(
        operation_id="desativar_webhook",
        summary="Desativar um webhook da chave",
        responses={204: None, 404: ERROS[404], **_ERROS_COM_CHAVE},
    )
    def delete(self, request: Request, pk: int) -> Response:
        webhook = get_webhook_da_chave(request.auth, pk)
        services.desativar_webhook(webhook, ip=ip_do_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
