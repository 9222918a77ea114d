"""As páginas de erro do portal também com ``DEBUG`` ligado (modo embutido do ``make run``).

Por que um middleware e não ``DEBUG=False`` no ``make run``: o ``DEBUG`` do modo embutido
continua valendo para o resto (chave e hosts de desenvolvimento, ``carregar_demo``, o
autoreload do ``runserver``); só as páginas técnicas de 404 e 500 do Django confundem quem
está conhecendo o portal. Com ``PAGINAS_DE_ERRO_DO_PORTAL`` ligada (padrão do modo
embutido), endereço inexistente e ``Http404`` mostram ``404.html`` com a navegação do portal,
requisição inválida mostra ``400.html`` e uma exceção, ``500.html``; o traceback continua no
console (logger ``django.request``). ``DJANGO_PAGINAS_DE_ERRO_TECNICAS=true`` devolve as
páginas técnicas do Django.
Sem ``DEBUG`` o middleware não faz nada: os ``handler404``/``handler500`` já valem.

Fica por último na lista: a requisição já passou por sessão e autenticação, então a página de
erro mostra o menu de quem entrou; respostas 404 montadas pelas próprias views (link
inválido, por exemplo) não são trocadas.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, get_resolver

from cagec import views

log = logging.getLogger("django.request")


class PaginasDeErroDoPortalMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _ativo():
            try:
                get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
            except Resolver404:
                return views.erro_404(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _ativo() or isinstance(exception, PermissionDenied | MultiPartParserError):
            return None  # o Django já usa o handler403/handler400 do portal, com ou sem DEBUG
        if isinstance(exception, Http404):
            return views.erro_404(request, exception)
        if isinstance(exception, BadRequest | SuspiciousOperation):
            return views.erro_400(request, exception)
        log.error("Erro interno: %s", request.path, exc_info=exception, extra={"request": request})
        return views.erro_500(request)


def _ativo() -> bool:
    return bool(settings.DEBUG and settings.PAGINAS_DE_ERRO_DO_PORTAL)
