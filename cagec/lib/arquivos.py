"""Recebimento de arquivos: limite de tamanho durante o upload e tipo pelo conteúdo."""

import hashlib

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

ATRIBUTO_RECUSADOS = "arquivos_grandes_demais"

# Assinaturas (magic bytes) dos formatos aceitos; o nome e o Content-Type do navegador não
# decidem nada.
FORMATOS = {
    "application/pdf": (b"%PDF-", ".pdf"),
    "image/png": (b"\x89PNG\r\n\x1a\n", ".png"),
    "image/jpeg": (b"\xff\xd8\xff", ".jpg"),
}


class LimiteDeTamanhoUploadHandler(FileUploadHandler):
    """Descarta o arquivo assim que ele passa de ``DOCUMENTO_TAMANHO_MAXIMO``.

    Guarda o nome do campo em ``request.arquivos_grandes_demais`` para o formulário dizer
    por que o arquivo não chegou.
    """

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        self.recebidos = 0
        if not hasattr(self.request, ATRIBUTO_RECUSADOS):
            setattr(self.request, ATRIBUTO_RECUSADOS, set())

    def receive_data_chunk(self, raw_data, start):
        self.recebidos += len(raw_data)
        if self.recebidos > settings.DOCUMENTO_TAMANHO_MAXIMO:
            getattr(self.request, ATRIBUTO_RECUSADOS).add(self.field_name)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


def tipo_pelo_conteudo(arquivo):
    """``(content_type, extensão)`` do formato reconhecido, ou ``None``."""
    arquivo.seek(0)
    inicio = arquivo.read(16)
    arquivo.seek(0)
    for content_type, (assinatura, extensao) in FORMATOS.items():
        if inicio.startswith(assinatura):
            return content_type, extensao
    return None


def sha256_do_arquivo(arquivo):
    arquivo.seek(0)
    resumo = hashlib.sha256()
    for pedaco in arquivo.chunks():
        resumo.update(pedaco)
    arquivo.seek(0)
    return resumo.hexdigest()
