"""Ajustes só para a suíte de testes (rápida e determinística)."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_HTTPS", "false")

from .settings import *  # noqa: E402,F403
from .settings import CELERY_BROKER_URL, REDIS_URL  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = (
    True  # os testes da fila (tests/lib/test_caixa_saida_redis.py) trocam isso
)
PORTAL_URL_BASE = "http://testserver"
# Arquivos enviados nos testes: numa pasta temporária por processo, fora do repositório.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="cagec-media-testes-"))
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = "cagec-testes"  # noqa: F405
assert CELERY_BROKER_URL
