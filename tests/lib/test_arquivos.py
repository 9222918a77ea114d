"""Recebimento de arquivos (cagec.lib.arquivos): tipo pelo conteúdo, SHA-256 e limite no upload.

O limite é exercitado pelo parser multipart de verdade do Django: um ``WSGIRequest`` da
``RequestFactory`` com corpo multipart, lido por ``request.FILES`` com os handlers de
``settings.FILE_UPLOAD_HANDLERS`` (o do portal primeiro).
"""

import hashlib
import os

import pytest
from django.core.files import File
from django.core.files.uploadedfile import (
    InMemoryUploadedFile,
    SimpleUploadedFile,
    TemporaryUploadedFile,
)
from django.test import RequestFactory

from cagec.lib.arquivos import sha256_do_arquivo, tipo_pelo_conteudo

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
LIMITE = 1000


# --- tipo_pelo_conteudo ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nome", "conteudo", "esperado"),
    [
        ("documento.pdf", PDF, ("application/pdf", ".pdf")),
        ("foto.png", PNG, ("image/png", ".png")),
        ("foto.jpg", JPEG, ("image/jpeg", ".jpg")),
        # O nome e o Content-Type não decidem: vale a assinatura.
        ("sem_extensao", PDF, ("application/pdf", ".pdf")),
        ("foto.pdf", PNG, ("image/png", ".png")),
        ("documento.jpeg", PDF, ("application/pdf", ".pdf")),
    ],
)
def test_reconhece_pdf_png_e_jpeg_pela_assinatura_do_conteudo(nome, conteudo, esperado):
    arquivo = SimpleUploadedFile(nome, conteudo, content_type="application/octet-stream")
    assert tipo_pelo_conteudo(arquivo) == esperado


@pytest.mark.parametrize(
    ("nome", "conteudo"),
    [
        ("documento.pdf", b"<!DOCTYPE html><html><body>%PDF-1.4</body></html>"),
        ("documento.pdf", b"<html><script>alert(1)</script></html>"),
        ("documento.pdf", b""),
        ("documento.pdf", b"Texto simples com cara de documento.\n"),
        ("documento.pdf", b" %PDF-1.4\n"),  # assinatura fora do começo
        ("documento.pdf", b"%PDF"),  # assinatura incompleta
        ("foto.png", b"\x89PNG"),  # só o começo da assinatura do PNG
        ("foto.jpg", b"\xff\xd8"),
        ("planilha.pdf", b"PK\x03\x04" + b"\x00" * 40),  # ZIP/XLSX renomeado
        ("foto.gif", b"GIF89a\x01\x00\x01\x00"),
    ],
)
def test_recusa_html_renomeado_vazio_texto_e_formatos_fora_da_lista(nome, conteudo):
    arquivo = SimpleUploadedFile(nome, conteudo, content_type="application/pdf")
    assert tipo_pelo_conteudo(arquivo) is None


def test_tipo_pelo_conteudo_le_do_inicio_e_devolve_o_arquivo_na_posicao_zero():
    arquivo = SimpleUploadedFile("documento.pdf", PDF)
    arquivo.seek(7)
    assert tipo_pelo_conteudo(arquivo) == ("application/pdf", ".pdf")
    assert arquivo.tell() == 0
    assert arquivo.read() == PDF


# --- sha256_do_arquivo -----------------------------------------------------------------------


def test_sha256_de_arquivo_pequeno_confere_com_hashlib_e_volta_para_o_inicio():
    arquivo = SimpleUploadedFile("documento.pdf", PDF)
    arquivo.seek(10)
    assert sha256_do_arquivo(arquivo) == hashlib.sha256(PDF).hexdigest()
    assert arquivo.tell() == 0
    assert arquivo.read() == PDF


def test_sha256_de_arquivo_vazio_e_o_resumo_da_sequencia_vazia():
    assert sha256_do_arquivo(SimpleUploadedFile("vazio.pdf", b"")) == hashlib.sha256().hexdigest()


def test_sha256_de_arquivo_em_disco_maior_que_um_pedaco_confere_com_hashlib(tmp_path):
    """Lido em vários pedaços (``chunks`` de 64 KiB): o resumo é o do arquivo inteiro."""
    conteudo = os.urandom(300_000)
    caminho = tmp_path / "grande.pdf"
    caminho.write_bytes(conteudo)
    with open(caminho, "rb") as aberto:
        arquivo = File(aberto)
        assert arquivo.multiple_chunks()
        arquivo.seek(123_456)
        assert sha256_do_arquivo(arquivo) == hashlib.sha256(conteudo).hexdigest()
        assert arquivo.tell() == 0
        assert arquivo.read() == conteudo


def test_sha256_muda_quando_um_unico_byte_muda():
    alterado = PDF[:-2] + b"X\n"
    assert sha256_do_arquivo(SimpleUploadedFile("a.pdf", PDF)) != sha256_do_arquivo(
        SimpleUploadedFile("b.pdf", alterado)
    )


# --- LimiteDeTamanhoUploadHandler (pelo parser multipart do Django) --------------------------


def _upload(**campos):
    """``WSGIRequest`` multipart com os campos dados; os arquivos ainda não foram lidos."""
    dados = {
        nome: SimpleUploadedFile(f"{nome}.pdf", valor, content_type="application/pdf")
        if isinstance(valor, bytes)
        else valor
        for nome, valor in campos.items()
    }
    return RequestFactory().post("/parceiros/qualquer/", data=dados)


def _conteudo(tamanho):
    """PDF com ``tamanho`` bytes exatos, conteúdo variado (para notar corte ou troca)."""
    corpo = PDF + bytes(i % 251 for i in range(tamanho))
    return corpo[:tamanho]


@pytest.fixture
def limite_pequeno(settings):
    settings.DOCUMENTO_TAMANHO_MAXIMO = LIMITE
    return settings


@pytest.fixture(params=["memoria", "disco"])
def onde_guarda(request, settings):
    """Memória (corpo pequeno) ou arquivo temporário (acima de FILE_UPLOAD_MAX_MEMORY_SIZE)."""
    if request.param == "disco":
        settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10
    return request.param


def test_handler_do_portal_e_o_primeiro_da_lista_de_upload(settings):
    request = _upload(documento=_conteudo(10))
    nomes = [type(h).__name__ for h in request.upload_handlers]
    assert nomes[0] == "LimiteDeTamanhoUploadHandler"
    assert settings.FILE_UPLOAD_HANDLERS[0] == "cagec.lib.arquivos.LimiteDeTamanhoUploadHandler"


def test_arquivo_acima_do_limite_nao_chega_e_o_campo_fica_marcado(limite_pequeno, onde_guarda):
    request = _upload(documento=_conteudo(LIMITE * 3), observacao="segue o comprovante")
    assert "documento" not in request.FILES
    assert request.arquivos_grandes_demais == {"documento"}
    # O restante do formulário é lido normalmente.
    assert request.POST["observacao"] == "segue o comprovante"


def test_arquivo_abaixo_do_limite_chega_inteiro(limite_pequeno, onde_guarda):
    conteudo = _conteudo(LIMITE - 1)
    request = _upload(documento=conteudo)
    recebido = request.FILES["documento"]
    classe = TemporaryUploadedFile if onde_guarda == "disco" else InMemoryUploadedFile
    assert type(recebido) is classe
    assert recebido.name == "documento.pdf"
    assert recebido.size == len(conteudo)
    assert recebido.read() == conteudo
    assert getattr(request, "arquivos_grandes_demais", set()) == set()


def test_arquivo_com_exatamente_o_limite_chega_e_um_byte_a_mais_e_recusado(limite_pequeno):
    no_limite = _upload(documento=_conteudo(LIMITE))
    assert no_limite.FILES["documento"].read() == _conteudo(LIMITE)
    acima = _upload(documento=_conteudo(LIMITE + 1))
    assert "documento" not in acima.FILES
    assert acima.arquivos_grandes_demais == {"documento"}


def test_so_o_arquivo_grande_e_descartado_quando_ha_varios_no_mesmo_envio(
    limite_pequeno, onde_guarda
):
    pequeno_antes, pequeno_depois = _conteudo(300), _conteudo(LIMITE)[::-1]
    request = _upload(
        estatuto=pequeno_antes,
        ata=_conteudo(LIMITE * 5),
        cpf_rl=pequeno_depois,
        balanco=_conteudo(LIMITE + 500),
    )
    assert set(request.FILES) == {"estatuto", "cpf_rl"}
    assert request.FILES["estatuto"].read() == pequeno_antes
    assert request.FILES["cpf_rl"].read() == pequeno_depois
    assert request.arquivos_grandes_demais == {"ata", "balanco"}


def test_limite_conta_os_bytes_de_todos_os_pedacos_do_arquivo(settings):
    """O parser entrega pedaços de 64 KiB: o limite vale para a soma, não para cada pedaço."""
    settings.DOCUMENTO_TAMANHO_MAXIMO = 100_000
    grande = _upload(documento=_conteudo(150_000))  # 1º pedaço passa, o 2º estoura
    assert "documento" not in grande.FILES
    assert grande.arquivos_grandes_demais == {"documento"}
    cabe = _conteudo(99_000)  # dois pedaços, dentro do limite
    request = _upload(documento=cabe)
    assert request.FILES["documento"].read() == cabe


def test_limite_e_lido_das_configuracoes_a_cada_envio(settings):
    conteudo = _conteudo(5_000)
    settings.DOCUMENTO_TAMANHO_MAXIMO = 4_000
    assert "documento" not in _upload(documento=conteudo).FILES
    settings.DOCUMENTO_TAMANHO_MAXIMO = 6_000
    assert _upload(documento=conteudo).FILES["documento"].read() == conteudo


def test_com_o_limite_configurado_do_portal_um_documento_comum_chega():
    request = _upload(documento=PDF)
    assert request.FILES["documento"].read() == PDF
    assert getattr(request, "arquivos_grandes_demais", set()) == set()
