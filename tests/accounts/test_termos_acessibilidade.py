"""O texto do termo rola dentro de uma caixa: quem usa o teclado precisa poder focá-la para
rolar (axe ``scrollable-region-focusable``, WCAG 2.1.1)."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_caixa_de_rolagem_do_termo_recebe_foco_pelo_teclado(client):
    html = client.get("/termos/").content.decode()
    caixa = re.search(r'<article class="termo[^>]*>', html)
    assert caixa is not None
    assert 'tabindex="0"' in caixa.group(0)
    assert 'aria-label="Texto do termo"' in caixa.group(0)
