"""Armazenamento atômico (issue #14, item 6): gravação num temporário da mesma pasta e
``link`` no fim; em erro nada fica com o nome final; 503 amigável; verificação ``midia``.

A falha de disco aqui é simulada (``fsync`` devolve ``ENOSPC`` depois de os bytes irem
para o temporário, que é onde um disco cheio de verdade aparece). O disco cheio de verdade
(tmpfs pequeno) está em ``tests/falhas/test_disco_cheio.py``.
"""

import errno
import os
import stat
from pathlib import Path

import pytest
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from cagec.lib import armazenamento, saude
from cagec.lib.armazenamento import (
    MENSAGEM,
    ArmazenamentoAtomico,
    ArmazenamentoIndisponivel,
    ArmazenamentoIndisponivelMiddleware,
    e_falha_de_armazenamento,
    eh_temporario,
    percorrer,
    verificar_midia,
)


class _OsComFalha:
    """O módulo ``os`` com ``fsync`` falhando com ``codigo`` (os bytes já foram escritos)."""

    def __init__(self, codigo):
        self.codigo = codigo

    def __getattr__(self, nome):
        return getattr(os, nome)

    def fsync(self, fd):
        raise OSError(self.codigo, os.strerror(self.codigo))


@pytest.fixture
def disco_com_falha(monkeypatch):
    def ligar(codigo=errno.ENOSPC):
        monkeypatch.setattr(armazenamento, "os", _OsComFalha(codigo))

    return ligar


@pytest.fixture
def storage(tmp_path):
    return ArmazenamentoAtomico(location=tmp_path, file_permissions_mode=0o640)


def tudo_em(raiz):
    return sorted(str(p.relative_to(raiz)) for p in Path(raiz).rglob("*") if p.is_file())


def test_o_projeto_usa_o_armazenamento_atomico():
    assert isinstance(default_storage, ArmazenamentoAtomico)


def test_grava_com_o_nome_pedido_o_conteudo_e_a_permissao_e_nao_deixa_temporario(storage, tmp_path):
    nome = storage.save("documentos/2026/01/a.pdf", ContentFile(b"%PDF-1.4 conteudo"))

    assert nome == "documentos/2026/01/a.pdf"
    assert (tmp_path / nome).read_bytes() == b"%PDF-1.4 conteudo"
    assert stat.S_IMODE((tmp_path / nome).stat().st_mode) == 0o640
    assert tudo_em(tmp_path) == [nome]


def test_grava_texto_e_arquivo_grande_em_pedacos(storage, tmp_path):
    assert storage.save("x/t.txt", ContentFile("ação")) == "x/t.txt"
    assert (tmp_path / "x/t.txt").read_text() == "ação"
    grande = b"1" * (3 * 1024 * 1024 + 7)
    nome = storage.save("x/g.bin", SimpleUploadedFile("g.bin", grande))
    assert (tmp_path / nome).read_bytes() == grande


def test_nome_ocupado_ganha_outro_nome_e_o_existente_nao_muda(storage, tmp_path):
    primeiro = storage.save("d/a.pdf", ContentFile(b"um"))
    segundo = storage.save("d/a.pdf", ContentFile(b"dois"))

    assert primeiro == "d/a.pdf" and segundo != primeiro
    assert (tmp_path / primeiro).read_bytes() == b"um"
    assert (tmp_path / segundo).read_bytes() == b"dois"
    assert tudo_em(tmp_path) == sorted([primeiro, segundo])


@pytest.mark.parametrize(
    "codigo", [errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EACCES, errno.EROFS]
)
def test_erro_de_disco_apaga_o_temporario_e_nada_fica_com_o_nome_final(
    storage, tmp_path, disco_com_falha, codigo
):
    (tmp_path / "d").mkdir()
    disco_com_falha(codigo)

    with pytest.raises(ArmazenamentoIndisponivel) as erro:
        storage.save("d/a.pdf", ContentFile(b"%PDF-1.4 " + b"x" * 100_000))

    assert erro.value.errno == codigo
    assert isinstance(erro.value, OSError) and erro.value.mensagem == MENSAGEM
    assert tudo_em(tmp_path) == []  # nem a.pdf (truncado ou de 0 byte) nem o .parcial


def test_erro_ao_ler_o_conteudo_no_meio_tambem_nao_deixa_nada(storage, tmp_path):
    class Quebra(File):
        def chunks(self, chunk_size=None):
            yield b"%PDF-1.4 primeira parte"
            raise OSError(errno.EIO, "erro de leitura")

    with pytest.raises(ArmazenamentoIndisponivel):
        storage.save("d/a.pdf", Quebra(None, name="a.pdf"))
    assert tudo_em(tmp_path) == []


def test_pasta_que_nao_pode_ser_criada_vira_armazenamento_indisponivel(storage, tmp_path):
    (tmp_path / "d").write_bytes(b"um arquivo no lugar da pasta")
    with pytest.raises(ArmazenamentoIndisponivel):
        storage.save("d/a.pdf", ContentFile(b"x"))
    assert tudo_em(tmp_path) == ["d"]


def test_pasta_com_permissao_configurada_e_sobrescrita_quando_permitida(tmp_path):
    storage = ArmazenamentoAtomico(
        location=tmp_path, directory_permissions_mode=0o750, allow_overwrite=True
    )
    assert storage.save("a/b/c.txt", ContentFile(b"um")) == "a/b/c.txt"
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o750
    assert stat.S_IMODE((tmp_path / "a/b").stat().st_mode) == 0o750
    assert storage.save("a/b/c.txt", ContentFile(b"dois")) == "a/b/c.txt"
    assert (tmp_path / "a/b/c.txt").read_bytes() == b"dois"
    assert tudo_em(tmp_path) == ["a/b/c.txt"]


def test_sem_link_no_sistema_de_arquivos_usa_rename(storage, tmp_path, monkeypatch):
    class SemLink(_OsComFalha):
        def fsync(self, fd):
            return os.fsync(fd)

        def link(self, origem, destino):
            raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(armazenamento, "os", SemLink(0))
    nome = storage.save("d/a.pdf", ContentFile(b"conteudo"))
    assert (tmp_path / nome).read_bytes() == b"conteudo"
    assert tudo_em(tmp_path) == [nome]


def test_o_que_conta_como_falha_de_armazenamento():
    assert e_falha_de_armazenamento(ArmazenamentoIndisponivel(errno.ENOSPC, "cheio"))
    assert e_falha_de_armazenamento(OSError(errno.ENOSPC, "cheio"))  # /tmp do upload
    assert e_falha_de_armazenamento(OSError(errno.EIO, "E/S"))
    assert not e_falha_de_armazenamento(FileNotFoundError(errno.ENOENT, "sumiu"))
    assert not e_falha_de_armazenamento(ValueError("outro"))
    assert eh_temporario("d/.parcial-0123456789abcdef.tmp")
    assert not eh_temporario("d/parcial.tmp") and not eh_temporario("d/.parcial-x.pdf")
    assert eh_temporario("saude/sonda-0123456789ab.txt")  # sonda da prontidão que sobrou


def test_percorrer_da_nome_tamanho_e_data(storage):
    storage.save("a/b/c.pdf", ContentFile(b"123"))
    storage.save("z.txt", ContentFile(b""))
    achados = {a.nome: a.tamanho for a in percorrer(storage)}
    assert achados == {"a/b/c.pdf": 3, "z.txt": 0}
    assert [a.nome for a in percorrer(storage, "a")] == ["a/b/c.pdf"]
    assert list(percorrer(storage, "nao-existe")) == []


# --- 503 amigável ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_middleware_troca_a_falha_de_armazenamento_por_503_amigavel_com_retry_after(settings):
    settings.ARMAZENAMENTO_RETRY_AFTER_SEGUNDOS = 90
    requisicao = RequestFactory().get("/consulta/x/crc/")
    middleware = ArmazenamentoIndisponivelMiddleware(lambda r: None)

    resposta = middleware.process_exception(
        requisicao, ArmazenamentoIndisponivel(errno.ENOSPC, "cheio")
    )

    assert resposta.status_code == 503
    assert resposta["Retry-After"] == "90"
    html = resposta.content.decode()
    assert "Não foi possível gerar ou guardar o arquivo agora" in html
    assert "Nada do" in html and "Traceback" not in html
    assert middleware.process_exception(requisicao, ValueError("outro")) is None


# --- Prontidão: mídia -----------------------------------------------------------------------------
def test_midia_ok_grava_le_apaga_e_mostra_o_espaco(storage, tmp_path, settings):
    settings.MIDIA_ESPACO_MINIMO_MB = 1
    resultado = verificar_midia(storage)
    assert resultado.estado == "ok"
    assert resultado.detalhe["livre_mb"] > 1 and resultado.detalhe["minimo_mb"] == 1
    assert tudo_em(tmp_path) == []  # a sonda foi apagada


def test_midia_em_atencao_abaixo_do_minimo(storage, settings):
    settings.MIDIA_ESPACO_MINIMO_MB = 10**9  # 1 PB
    assert verificar_midia(storage).estado == "atencao"


def test_midia_em_falha_quando_nao_grava(storage, tmp_path, disco_com_falha):
    disco_com_falha(errno.ENOSPC)
    resultado = verificar_midia(storage)
    assert resultado == saude.Resultado("falha", {"erro": "ENOSPC"})
    assert tudo_em(tmp_path) == []


@pytest.mark.django_db
def test_prontidao_tem_a_midia_e_responde_503_com_o_disco_cheio(
    client, admin_user, media_temporaria, disco_com_falha
):
    client.force_login(admin_user)
    assert client.get("/saude/prontidao/").json()["midia"]["estado"] in ("ok", "atencao")

    disco_com_falha(errno.ENOSPC)
    resposta = client.get("/saude/prontidao/")
    assert resposta.status_code == 503
    assert resposta.json()["midia"] == {"estado": "falha", "erro": "ENOSPC"}
