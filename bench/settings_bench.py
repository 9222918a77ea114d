"""As configurações de produção do portal, mudando só STATIC_ROOT.

cagec/settings.py fixa STATIC_ROOT em <repo>/staticfiles e, fora do DEBUG, o manifesto do
whitenoise precisa existir; o benchmark roda o collectstatic numa pasta temporária para
não escrever fora de bench/ (o resto vem das mesmas variáveis de ambiente da produção).
"""

import os
from pathlib import Path

from cagec.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
