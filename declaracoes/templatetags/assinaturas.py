"""O item "Assinaturas (n)" do menu principal: o que espera a assinatura de quem navega."""

from django import template

from accounts.models import Usuario
from declaracoes import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def assinaturas_pendentes(context: template.Context) -> int:
    """Quantas solicitações esperam a assinatura da pessoa logada (0 para visitantes).

    Do cache (``selectors.pendentes_de_assinatura_no_menu``): o menu está em toda página e as
    páginas logadas cabem em 8 consultas.
    """
    request = context.get("request")
    usuario = getattr(request, "user", None)
    if request is None or not isinstance(usuario, Usuario) or not usuario.is_authenticated:
        return 0
    return selectors.pendentes_de_assinatura_no_menu(usuario)
