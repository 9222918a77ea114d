import pytest

from api import chaves

from .apoio import Receptor


@pytest.fixture(autouse=True)
def _chaves_esquecidas():
    """A memória de chaves conferidas é por processo: cada teste começa sem nenhuma."""
    chaves._lembradas.clear()
    yield
    chaves._lembradas.clear()


@pytest.fixture
def receptor():
    servidor = Receptor()
    yield servidor
    servidor.fechar()
