"""O endereço IP do cliente, o mesmo para limites (django-ratelimit), axes e auditoria.

Atrás do balanceador, ``REMOTE_ADDR`` é o balanceador: todos dividiriam um só limite por IP
e a auditoria gravaria o balanceador. O cabeçalho ``X-Forwarded-For`` diz quem é o cliente,
mas qualquer um pode enviá-lo. Por isso ele só vale quando a conexão vem de um proxy listado
em ``PROXIES_CONFIAVEIS`` (endereços ou redes CIDR). Nesse caso, o cliente é o endereço
mais à direita do cabeçalho que não é de um proxy confiável: o que vem à esquerda dele foi
escrito por quem não controlamos e pode ser falso. Sem proxies configurados (o padrão),
vale só ``REMOTE_ADDR``.
"""

import ipaddress
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

CABECALHO = "HTTP_X_FORWARDED_FOR"


@lru_cache(maxsize=8)
def redes_confiaveis(valores: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    """As redes de ``PROXIES_CONFIAVEIS``; um valor inválido é erro de configuração."""
    redes = []
    for valor in valores:
        try:
            redes.append(ipaddress.ip_network(valor.strip(), strict=False))
        except ValueError as erro:
            raise ImproperlyConfigured(
                f"PROXIES_CONFIAVEIS: {valor!r} não é um endereço IP nem uma rede CIDR "
                "(ex.: 10.0.0.0/8, 192.168.1.10)."
            ) from erro
    return tuple(redes)


def _endereco(texto: str | None) -> IPv4Address | IPv6Address | None:
    """Um endereço de cabeçalho ou de REMOTE_ADDR, aceitando porta (1.2.3.4:80, [::1]:80)."""
    texto = (texto or "").strip().strip('"')
    if texto.startswith("[") and "]" in texto:
        texto = texto[1 : texto.index("]")]
    elif texto.count(":") == 1:  # IPv4 com porta; IPv6 tem dois ou mais ":"
        texto = texto.split(":", 1)[0]
    try:
        endereco = ipaddress.ip_address(texto)
    except ValueError:
        return None
    # IPv4 escrito como IPv6 (::ffff:1.2.3.4) é o mesmo cliente que 1.2.3.4.
    return getattr(endereco, "ipv4_mapped", None) or endereco


def _confiavel(
    endereco: IPv4Address | IPv6Address, redes: tuple[IPv4Network | IPv6Network, ...]
) -> bool:
    return any(endereco.version == rede.version and endereco in rede for rede in redes)


def ip_do_cliente(request: HttpRequest) -> str | None:
    """O IP do cliente (texto normalizado), ou None quando a requisição não traz endereço."""
    remoto = _endereco(request.META.get("REMOTE_ADDR"))
    if remoto is None:
        return None
    redes = redes_confiaveis(tuple(getattr(settings, "PROXIES_CONFIAVEIS", ())))
    if not redes or not _confiavel(remoto, redes):
        return str(remoto)
    cliente = remoto
    # Vários cabeçalhos X-Forwarded-For chegam juntos, separados por vírgula.
    for item in reversed(request.META.get(CABECALHO, "").split(",")):
        if not item.strip():
            continue
        endereco = _endereco(item)
        if endereco is None:
            # Lixo no cabeçalho: não dá para saber quem está antes; fica o último conhecido.
            break
        cliente = endereco
        if not _confiavel(endereco, redes):
            break
    return str(cliente)


def ip_para_limites(request: HttpRequest) -> str:
    """A chave "ip" do django-ratelimit (``RATELIMIT_IP_META_KEY``): o IP do cliente."""
    ip = ip_do_cliente(request)
    if ip is None:
        # Sem endereço (gunicorn num socket Unix sem proxy que o informe), todos dividiriam
        # um só limite: melhor parar com a explicação do que limitar errado.
        raise ImproperlyConfigured(
            "A requisição chegou sem REMOTE_ADDR: sirva o portal por TCP ou configure o proxy."
        )
    return ip
