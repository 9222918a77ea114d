"""A linha de base B: ``HttpResponse("ok")`` servido pelo gunicorn.conf.py do projeto."""

import os

from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bare_settings"  # este wsgi só serve B


def ok(request):
    return HttpResponse("ok")


urlpatterns = [path("", ok)]

application = get_wsgi_application()
