"""Configurações de produção; com ``FILA_TRANSPORTE_ORIGINAL=1``, o transporte Redis do kombu
sem a correção de ``cagec/worker/transporte.py`` (para reproduzir a queda do worker)."""

import os

from cagec.settings import *  # noqa: F403

if os.environ.get("FILA_TRANSPORTE_ORIGINAL"):
    CELERY_BROKER_TRANSPORT = None
