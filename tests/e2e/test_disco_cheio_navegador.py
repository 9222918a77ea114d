"""Disco de mídia cheio no navegador (issue #14, item 6): com JavaScript, o envio do
documento volta 422 com a mensagem no item, o arquivo continua escolhido e nada é anexado;
com espaço de novo, o mesmo clique anexa. A falha é o ``fsync`` do temporário devolvendo
``ENOSPC`` no processo do live_server (o disco cheio de verdade está em
``tests/falhas/test_disco_cheio.py``).
"""

import errno
import os

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cagec.lib import armazenamento
from parceiros import selectors, services
from parceiros.models import Documento, Obrigacao, Solicitacao
from tests.e2e.test_inscricao_navegador import entrar, formatar
from tests.factories import SENHA, pdf_pequeno

from .test_assistente_navegador import ARQUIVO, EMISSAO

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class _OsComDiscoCheio:
    def __getattr__(self, nome):
        return getattr(os, nome)

    def fsync(self, fd):
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def atualizacao(parceiro, rl):
    return services.iniciar_atualizacao(parceiro, Solicitacao.Tipo.DOCUMENTOS, ator=rl)


def test_com_disco_cheio_o_envio_mostra_a_mensagem_no_item_e_depois_anexa(
    nova_aba, rl, atualizacao, tmp_path, monkeypatch
):
    page = nova_aba(viewport={"width": 1366, "height": 768})
    page.goto("/entrar/")
    entrar(page, formatar(rl.cpf), SENHA)
    page.goto(f"/solicitacoes/{atualizacao.pk}/documentos/")
    obrigacao = (
        selectors.obrigacoes_da_solicitacao(atualizacao)
        .filter(regra_validade=Obrigacao.Regra.DIAS_APOS_EMISSAO)
        .first()
    )
    item = page.locator(f"#obrigacao-{obrigacao.pk}")
    item.get_by_text("Anexar arquivo", exact=True).click()
    item.get_by_label(EMISSAO).fill(timezone.localdate().isoformat())
    pdf = tmp_path / "certidao.pdf"
    pdf.write_bytes(pdf_pequeno("certidao"))
    campo_arquivo = item.get_by_label(ARQUIVO)
    campo_arquivo.set_input_files(pdf)
    monkeypatch.setattr(armazenamento, "os", _OsComDiscoCheio())

    with page.expect_response(lambda r: r.request.method == "POST") as resposta:
        item.get_by_role("button", name="Enviar arquivo").click()

    assert resposta.value.status == 422
    expect(item.locator("#resumo-erros")).to_contain_text(
        "o armazenamento do portal está cheio ou indisponível"
    )
    expect(item.locator("#resumo-erros")).to_be_focused()
    assert campo_arquivo.evaluate("c => c.files.length") == 1
    assert not Documento.objects.exists()

    monkeypatch.setattr(armazenamento, "os", os)  # espaço liberado
    with page.expect_response(lambda r: r.request.method == "POST") as resposta:
        item.get_by_role("button", name="Enviar arquivo").click()

    assert resposta.value.status == 200
    expect(page.locator(f"#obrigacao-{obrigacao.pk}").get_by_role("status")).to_contain_text(
        "Documento anexado"
    )
    assert Documento.objects.filter(solicitacao=atualizacao, obrigacao=obrigacao).exists()
    inesperados = [e for e in page.erros_js if not e.startswith("422 ")]
    assert inesperados == [], inesperados
