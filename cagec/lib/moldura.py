"""A moldura das páginas públicas (cabeçalho, menu, rodapé) para o visitante anônimo.

Para quem não entrou e não tem mensagem pendente, ``base.html`` dá sempre o mesmo HTML em
volta do conteúdo: o menu do anônimo, sem trilha, sem mensagens. Renderizar essa moldura a
cada pedido custava mais que o resto da página da verificação (issue #15); aqui ela é
renderizada uma vez por processo e a página só encaixa o título e o conteúdo.

Estáticos com hash entram na moldura: cada implantação sobe processos novos, com a moldura
da versão nova. ``pagina`` recusa (``ValueError``) um pedido de quem entrou ou tem mensagem:
esse continua com ``render`` (as views conferem com ``visitante_anonimo``).
"""

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.html import escape

_MARCA_TITULO = "cagecmolduratitulo"
_MARCA_CONTEUDO = "cagecmolduraconteudo"
_partes: tuple[str, str, str] | None = None


def visitante_anonimo(request: HttpRequest) -> bool:
    """Anônimo e sem mensagem pendente: a moldura é a mesma para todos."""
    return not request.user.is_authenticated and "messages" not in request.COOKIES


def pagina(request: HttpRequest, titulo: str, conteudo: str, *, status: int = 200) -> HttpResponse:
    """A página inteira: ``titulo`` (texto, escapado aqui) e ``conteudo`` (HTML já seguro)."""
    if not visitante_anonimo(request):
        raise ValueError("a moldura pronta é só para visitantes anônimos sem mensagens")
    antes, meio, depois = _moldura(request)
    html = f"{antes}{escape(titulo)}{meio}{conteudo}{depois}"
    return HttpResponse(html, status=status)


def _moldura(request: HttpRequest) -> tuple[str, str, str]:
    global _partes
    if _partes is None:
        contexto = {"titulo": _MARCA_TITULO, "conteudo": _MARCA_CONTEUDO}
        html = render_to_string("_moldura_anonima.html", contexto, request=request)
        antes, resto = html.split(_MARCA_TITULO, 1)
        meio, depois = resto.split(_MARCA_CONTEUDO, 1)
        _partes = (antes, meio, depois)
    return _partes


def esquecer() -> None:
    """Testes que trocam templates ou estáticos: a próxima página renderiza a moldura de novo."""
    global _partes
    _partes = None
