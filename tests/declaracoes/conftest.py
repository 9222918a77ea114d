"""Fixtures da área pública."""

import pytest

from cagec.lib import moldura
from declaracoes import consulta


@pytest.fixture(autouse=True)
def _memoria_do_processo_limpa():
    """Tipos de parceiro (1 min na memória) e a moldura pronta: cada teste começa do zero."""
    consulta.esquecer_tipos()
    moldura.esquecer()
    yield
    consulta.esquecer_tipos()
    moldura.esquecer()
