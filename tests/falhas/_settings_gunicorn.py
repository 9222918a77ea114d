"""Configurações de produção (``cagec.settings``) para o gunicorn dos testes de falha.

Uma só diferença: os estáticos vêm da pasta que a sessão de testes já coletou
(``CAGEC_TESTE_STATIC_ROOT``, manifesto com hash como em produção), para o teste não rodar
``collectstatic`` com compressão a cada vez.
"""

import os
from pathlib import Path

from cagec.settings import *  # noqa: F403
from cagec.settings import STORAGES

STATIC_ROOT = Path(os.environ["CAGEC_TESTE_STATIC_ROOT"])
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "cagec.lib.estaticos.EstaticosComHash"}}
