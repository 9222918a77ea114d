"""Views da API ``/api/v1/`` (somente leitura): finas, sobre ``selectors`` e ``respostas``.

São ``APIView`` do DRF para que autenticação por chave, limites e o tratamento de erros
(``REST_FRAMEWORK`` em settings) valham para todas; o corpo quente sai pronto em JSON
(``respostas.json_resposta``), sem serializador nem negociação de renderizador.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from cagec.lib.codigos import normalizar_codigo
from cagec.lib.documentos import formatar_cnpj, normalizar_cnpj
from declaracoes import verificacao
from parceiros import situacao
from parceiros.models import Parceiro

from . import cache_http, filtros, paginacao, respostas, selectors, serializers
from .erros import NaoEncontrado

ERROS = {
    400: OpenApiResponse(serializers.Erro, description="Parâmetros inválidos."),
    401: OpenApiResponse(serializers.Erro, description="Chave de API inválida ou revogada."),
    403: OpenApiResponse(serializers.Erro, description="Acesso negado."),
    404: OpenApiResponse(serializers.Erro, description="Não encontrado."),
    429: OpenApiResponse(serializers.Erro, description="Limite de pedidos excedido."),
    500: OpenApiResponse(serializers.Erro, description="Erro interno."),
}
NAO_MODIFICADO = OpenApiResponse(description="Não mudou desde o ETag de `If-None-Match`.")
TEXTO = {"type": "string", "maxLength": filtros.TAMANHO_MAXIMO}
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description="ETag já recebido."
)


class ApiView(APIView):
    # Base das views da API: só GET (e HEAD). Sem docstring: ela viraria a descrição de
    # cada operação no esquema.

    http_method_names = ["get", "head"]


class Regularidade(ApiView):
    """O que o CRC de hoje do Parceiro diria (situação, campos do Estado, RL sem CPF, cada
    obrigação com status, validade e aprovação) e o código do CRC de hoje, se já emitido.
    ETag forte: reenvie-o em `If-None-Match` e receba 304 enquanto nada mudar."""

    @extend_schema(
        operation_id="regularidade_do_parceiro",
        tags=["Parceiros"],
        summary="Regularidade de um Parceiro (o conteúdo do CRC de hoje)",
        parameters=[
            OpenApiParameter(
                "cnpj",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="CNPJ formatado, só os caracteres ou alfanumérico.",
            ),
            IF_NONE_MATCH,
        ],
        responses={200: serializers.Regularidade, 304: NAO_MODIFICADO, **ERROS},
    )
    def get(self, request: HttpRequest, cnpj: str) -> HttpResponse:
        dia = situacao.hoje()
        chave = selectors.chave_pelo_cnpj(normalizar_cnpj(cnpj)[:14], dia)
        if chave is None:
            raise NaoEncontrado("CNPJ não encontrado no CAGEC.")
        atual = cache_http.etag(
            respostas.FORMATO, dia, chave.pk, chave.versao_publica, chave.codigo_crc
        )
        if cache_http.nao_mudou(request, atual):
            return cache_http.nao_modificado(atual)
        corpo = respostas.regularidade(chave, dia)
        return cache_http.marcar(respostas.json_resposta(corpo), atual)


class ListaDeParceiros(ApiView):
    """Parceiros em ordem de alteração dos dados públicos (e id). Guarde o `cursor` da última
    página e peça de novo com ele para receber só o que mudou depois."""

    @extend_schema(
        operation_id="lista_de_parceiros",
        tags=["Parceiros"],
        summary="Parceiros do CAGEC, por cursor (sincronização)",
        parameters=[
            OpenApiParameter(
                "nome", TEXTO, description="Parte da razão social ou do nome fantasia."
            ),
            OpenApiParameter(
                "municipio", TEXTO, description="Município (sem diferença de acentos)."
            ),
            OpenApiParameter(
                "tipo",
                {"type": "integer", "minimum": 1, "maximum": filtros.ID_MAXIMO},
                description="Id do tipo de Parceiro.",
            ),
            OpenApiParameter("situacao", OpenApiTypes.STR, enum=Parceiro.Situacao.values),
            OpenApiParameter(
                "alterado_desde",
                OpenApiTypes.DATETIME,
                description="Dados públicos alterados a partir deste instante (ISO 8601).",
            ),
            OpenApiParameter(
                "cursor", OpenApiTypes.STR, description="O `cursor` de uma resposta anterior."
            ),
            OpenApiParameter(
                "limite",
                {"type": "integer", "minimum": 1, "maximum": paginacao.LIMITE_MAXIMO},
                description="Quantos por página (padrão 100).",
            ),
        ],
        responses={200: serializers.PaginaDeParceiros, **ERROS},
    )
    def get(self, request: HttpRequest) -> HttpResponse:
        quantos = paginacao.limite(request)
        filtro, desde = filtros.ler(request)
        qs = selectors.parceiros_para_sincronizar(filtro, desde)
        if request.GET.get("cursor"):
            qs = selectors.depois_do_cursor(qs, *paginacao.decodificar(request.GET["cursor"]))
        linhas, cursor, proximo = paginacao.pagina(
            request, qs[: quantos + 1], quantos, lambda linha: (linha[-1], linha[0])
        )
        corpo = {
            "resultados": [_item(request, linha) for linha in linhas],
            "cursor": cursor,
            "proximo": proximo,
        }
        return respostas.json_resposta(corpo, Cache_Control="no-cache")


def _item(request: HttpRequest, linha: tuple[Any, ...]) -> dict[str, Any]:
    _, cnpj, numero, razao, fantasia, municipio, uf, tipo_id, tipo, genero, *resto = linha
    situacao_atual, cadin, siafi, alterado = resto
    caminho = reverse("api:regularidade", args=[cnpj])
    return {
        "cnpj": cnpj,
        "cnpj_formatado": formatar_cnpj(cnpj),
        "numero_cadastro": numero,
        "razao_social": razao,
        "nome_fantasia": fantasia,
        "municipio": municipio,
        "uf": uf,
        "tipo_id": tipo_id,
        "tipo": tipo,
        "genero": genero,
        "situacao": situacao_atual,
        "situacao_display": Parceiro.Situacao(situacao_atual).label,
        "possui_impedimento": bool(cadin or siafi),
        "cadin_bloqueado": bool(cadin),
        "siafi_bloqueado": bool(siafi),
        "publico_alterado_em": respostas.iso(alterado),
        "url_regularidade": request.build_absolute_uri(caminho),
    }


class Verificacao(ApiView):
    """O que `/verificar/<codigo>/` mostra: tipo, autenticidade ou revogação (data e motivo),
    emissão, situação na emissão e hoje (CRC), hashes e o endereço do PDF original."""

    @extend_schema(
        operation_id="verificacao_de_documento",
        tags=["Verificações"],
        summary="Autenticidade de um CRC ou de uma declaração pelo código",
        parameters=[
            OpenApiParameter(
                "codigo",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="O código de verificação impresso no documento (com ou sem hífens).",
            ),
            IF_NONE_MATCH,
        ],
        responses={200: serializers.Verificacao, 304: NAO_MODIFICADO, **ERROS},
    )
    def get(self, request: HttpRequest, codigo: str) -> HttpResponse:
        resultado = verificacao.por_codigo(normalizar_codigo(codigo))
        if not resultado.encontrado:
            raise NaoEncontrado("Código de verificação não encontrado.")
        atual = cache_http.etag(
            respostas.FORMATO, resultado.codigo, resultado.revogado_em, resultado.situacao_hoje
        )
        if cache_http.nao_mudou(request, atual):
            return cache_http.nao_modificado(atual)
        corpo = respostas.verificacao(resultado)
        return cache_http.marcar(respostas.json_resposta(corpo), atual)
