"""ETag forte, ``If-None-Match`` e ``Cache-Control`` das respostas públicas da API.

O ETag é calculado antes do corpo, a partir do que o decide (na regularidade: o Parceiro, a
``versao_publica``, o dia, o CRC do dia e a forma da resposta): um ``If-None-Match`` igual
devolve 304 sem montar nem escrever o corpo. ``consultado_em`` não entra: é o instante do
pedido, não o conteúdo.
"""

import hashlib

from django.http import HttpRequest, HttpResponse

PUBLICO_UM_MINUTO = "public, max-age=60"


def etag(*partes: object) -> str:
    """Um ETag forte (entre aspas) das ``partes``."""
    texto = "|".join(str(p) for p in partes)
    return f'"{hashlib.sha256(texto.encode()).hexdigest()[:32]}"'


def nao_mudou(request: HttpRequest, atual: str) -> bool:
    """O cliente já tem esta versão? (RFC 9110 §13.1.2: comparação fraca, ``*`` vale tudo)."""
    pedido = request.headers.get("If-None-Match", "")
    if not pedido:
        return False
    for candidato in pedido.split(","):
        candidato = candidato.strip().removeprefix("W/")
        if candidato in ("*", atual):
            return True
    return False


def nao_modificado(atual: str, cache_control: str = PUBLICO_UM_MINUTO) -> HttpResponse:
    return marcar(HttpResponse(status=304), atual, cache_control)


def marcar(
    resposta: HttpResponse, atual: str, cache_control: str = PUBLICO_UM_MINUTO
) -> HttpResponse:
    """ETag, ``Cache-Control`` e ``Vary`` (a resposta não muda com a chave nem com o idioma)."""
    resposta["ETag"] = atual
    resposta["Cache-Control"] = cache_control
    resposta["Vary"] = "Accept-Encoding"
    return resposta
