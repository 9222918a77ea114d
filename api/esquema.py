"""A chave de API no esquema OpenAPI (drf-spectacular): o esquema de segurança ``ChaveDeApi``.

Sem esta extensão, o drf-spectacular não sabe descrever ``AutenticacaoPorChave`` e avisa no
``check`` (o CI roda ``check --deploy --fail-level WARNING``). Carregada em
``ApiConfig.ready``.
"""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ChaveDeApiNoEsquema(OpenApiAuthenticationExtension):
    target_class = "api.chaves.AutenticacaoPorChave"
    name = "ChaveDeApi"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Chave de cliente institucional: `Authorization: Api-Key <chave>`. "
            "Opcional nas consultas (sem ela, vale o limite por IP); exigida nos webhooks.",
        }
