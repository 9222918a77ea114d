"""O item "Assinaturas (n)" do menu principal: o que espera a assinatura de quem navega."""

from django import template

from accounts.models import Usuario
from declaracoes import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def assinaturas_pendentes(context: template.Context) -> int:
    """Quantas solicitações esperam a assinatura da pessoa logada (0 para visitantes).

    Um COUNT por página, guardado no ``request``: o painel e o menu perguntam uma vez só.
    """
    request = context.get("request")
    usuario = getattr(request, "user", None)
    if request is None or not isinstance(usuario, Usuario) or not usuario.is_authenticated:
        return 0
    if not hasattr(request, "assinaturas_pendentes"):
        request.assinaturas_pendentes = selectors.contar_pendentes_de_assinatura(usuario)
    return int(request.assinaturas_pendentes)
