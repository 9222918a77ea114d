"""As configurações de produção (``cagec.settings``) com os estáticos já coletados pela suíte.

Só muda onde estão os arquivos estáticos: o gunicorn dos testes de falha usa a pasta que a
fixture ``_estaticos_coletados`` preparou (``CAGEC_TESTES_STATIC_ROOT``), em vez de exigir um
``collectstatic`` em ``staticfiles/`` da árvore. Todo o resto é a configuração de produção.
"""

import os
from pathlib import Path

from cagec.settings import *  # noqa: F403
from cagec.settings import STORAGES

STATIC_ROOT = Path(os.environ["CAGEC_TESTES_STATIC_ROOT"])
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "cagec.lib.estaticos.EstaticosComHash"}}
