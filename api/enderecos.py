"""Para onde um webhook pode apontar (contra SSRF), conferido no cadastro e a cada envio.

Em produção: só ``https`` e só endereços públicos — o nome é resolvido e todo endereço
devolvido precisa ser global (nada de loopback, rede privada, link-local, multicast,
reservado). A conexão do envio vai ao endereço conferido, não a uma nova resolução (um DNS
que muda de resposta entre a conferência e a conexão não leva o envio para a rede interna).
``API_WEBHOOK_PERMITIR_REDE_LOCAL`` (padrão: ``DEBUG``) libera ``http`` e a rede local para o
modo embutido e os testes.
"""

import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

from django.conf import settings


class EnderecoProibido(ValueError):
    """A URL não pode receber webhooks (a mensagem é para o cliente, em português)."""


def rede_local_permitida() -> bool:
    return bool(getattr(settings, "API_WEBHOOK_PERMITIR_REDE_LOCAL", settings.DEBUG))


def conferir_url(url: str) -> SplitResult:
    """A URL decomposta, se o esquema e o host servem; senão ``EnderecoProibido``."""
    partes = urlsplit(url)
    esquemas = ("https", "http") if rede_local_permitida() else ("https",)
    if partes.scheme not in esquemas:
        raise EnderecoProibido("A URL do webhook precisa começar com https://.")
    if not partes.hostname:
        raise EnderecoProibido("A URL do webhook não tem um endereço de servidor.")
    if partes.username or partes.password:
        raise EnderecoProibido("A URL do webhook não pode ter usuário nem senha.")
    try:
        partes.port  # noqa: B018 — levanta ValueError se a porta for inválida
    except ValueError as erro:
        raise EnderecoProibido("A porta da URL do webhook é inválida.") from erro
    return partes


def porta(partes: SplitResult) -> int:
    return partes.port or (443 if partes.scheme == "https" else 80)


def resolver(partes: SplitResult) -> list[str]:
    """Os endereços IP do host, todos permitidos; senão ``EnderecoProibido``."""
    host = partes.hostname or ""
    try:
        respostas = socket.getaddrinfo(host, porta(partes), type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as erro:
        raise EnderecoProibido(f"Não foi possível resolver o endereço {host}.") from erro
    enderecos = list(dict.fromkeys(str(resposta[4][0]) for resposta in respostas))
    if not rede_local_permitida() and not all(_publico(e) for e in enderecos):
        raise EnderecoProibido(
            "A URL do webhook aponta para um endereço interno (rede privada ou local)."
        )
    return enderecos


def _publico(texto: str) -> bool:
    endereco = ipaddress.ip_address(texto.split("%", 1)[0])
    mapeado = getattr(endereco, "ipv4_mapped", None)
    return bool((mapeado or endereco).is_global) and not endereco.is_multicast


def validar(url: str) -> list[str]:
    """Conferência completa (esquema, host e resolução); devolve os endereços."""
    return resolver(conferir_url(url))
