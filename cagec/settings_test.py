"""Ajustes só para a suíte de testes (rápida e determinística)."""

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_HTTPS", "false")


def _redis_do_processo(url, trabalhador):
    """Com pytest-xdist, cada processo (gw0, gw1…) usa o seu banco do Redis.

    ``cache.clear()`` (a cada teste) esvazia o banco inteiro; dividido, um processo não apaga
    os limites por IP nem a fila do outro. O banco de dados de testes o pytest-django já
    separa (test_cagec_gw0…).
    """
    if not url or not trabalhador.startswith("gw"):
        return url
    partes = urlsplit(url)
    base = int(partes.path.strip("/") or 0)
    indice = (base + int(trabalhador[2:])) % 16
    return urlunsplit(partes._replace(path=f"/{indice}"))


if os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = _redis_do_processo(
        os.environ["REDIS_URL"], os.environ.get("PYTEST_XDIST_WORKER", "")
    )

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
# Estáticos como em produção (nomes com hash, manifesto estrito, servidos pelo WhiteNoise),
# coletados uma vez por sessão de testes (por processo) numa pasta temporária: fixture
# ``_estaticos_coletados`` em tests/conftest.py. Sem a compressão, que só custaria tempo.
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="cagec-estaticos-testes-"))
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "cagec.lib.estaticos.EstaticosComHash"},
}
if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = "cagec-testes"  # noqa: F405
assert CELERY_BROKER_URL
