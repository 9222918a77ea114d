"""O veredito de ``/verificar/`` (issue #13, item 15): um PDF que não confere é um resultado da
verificação, não um erro do formulário; o código digitado volta com os hífens."""

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import pdf_pequeno

pytestmark = pytest.mark.django_db

NAO_CONFERE = "Este arquivo não confere com nenhum documento emitido pelo CAGEC."


def texto(resposta):
    html = re.search(r"<main\b.*?</main>", resposta.content.decode(), flags=re.S)[0]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def enviar_arquivo(client, conteudo, nome="crc.pdf", **extra):
    dados = {"codigo": "", "arquivo": SimpleUploadedFile(nome, conteudo, "application/pdf")}
    return client.post("/verificar/", dados, **extra)


def test_pdf_que_nao_confere_e_um_resultado_e_nao_um_erro_do_formulario(client):
    resposta = enviar_arquivo(client, pdf_pequeno("Outro documento"))

    assert resposta.status_code == 200
    html = resposta.content.decode()
    pagina = texto(resposta)
    assert "<title>Arquivo não confere" in html
    assert "Arquivo não confere" in pagina and NAO_CONFERE in pagina
    assert "Corrija" not in pagina
    assert 'id="resumo-erros"' not in html and "is-invalid" not in html
    assert "Documento autêntico" not in pagina


def test_resultado_explica_o_que_pode_ser_e_o_que_fazer_com_o_codigo_ao_lado(client):
    pagina_html = enviar_arquivo(client, pdf_pequeno()).content.decode()
    pagina = " ".join(unescape(re.sub(r"<[^>]+>", " ", pagina_html)).split())

    assert "O que isso pode significar" in pagina
    assert "alterado depois de baixado" in pagina
    assert "O que fazer" in pagina
    assert "Peça o arquivo original a quem o emitiu" in pagina
    # Verificar pelo código, ali mesmo: o campo com rótulo visível, enviado ao /verificar/
    assert re.search(
        r'<label class="form-label" for="id_codigo">Código de verificação</label>', pagina_html
    )
    assert 'action="/verificar/"' in pagina_html


def test_nome_do_arquivo_volta_escapado(client):
    resposta = enviar_arquivo(client, pdf_pequeno(), nome='<img src=x onerror="a()">.pdf')

    html = resposta.content.decode()
    assert "<img src=x" not in html
    assert 'Arquivo enviado: <img src=x onerror="a()">.pdf' in texto(resposta)


def test_codigo_desconhecido_volta_com_hifens_no_texto_e_no_campo(client):
    resposta = client.post("/verificar/", {"codigo": "0123 4567 89ab cdef"}, follow=True)

    assert resposta.status_code == 404
    pagina = texto(resposta)
    assert "Código não encontrado" in pagina
    assert "tem o código 0123-4567-89AB-CDEF" in pagina
    assert re.search(
        r'<input[^>]*name="codigo"[^>]*value="0123-4567-89AB-CDEF"', resposta.content.decode()
    )
    assert "Corrija" not in pagina


def test_codigo_mal_formado_no_formulario_volta_como_digitado(client):
    resposta = client.post("/verificar/", {"codigo": "0123-4567-89ab"})

    assert resposta.status_code == 200
    assert re.search(
        r'<input[^>]*name="codigo"[^>]*value="0123-4567-89ab"', resposta.content.decode()
    )


def test_envios_de_arquivo_continuam_com_limite_por_ip(client):
    for _ in range(30):  # VERIFICACAO_LIMITE_POR_IP = 30/m
        assert enviar_arquivo(client, pdf_pequeno()).status_code == 200
    assert enviar_arquivo(client, pdf_pequeno()).status_code == 429
    assert enviar_arquivo(client, pdf_pequeno(), REMOTE_ADDR="10.1.2.3").status_code == 200
