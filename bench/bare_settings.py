"""Django mínimo para medir B: nenhum app, nenhum middleware, nenhum banco.

A view e as URLs ficam em bench/bare_wsgi.py; aqui só o que o Django exige para subir.
"""

SECRET_KEY = "bench-bare-nao-e-segredo"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
ROOT_URLCONF = "bench.bare_wsgi"
USE_TZ = True
