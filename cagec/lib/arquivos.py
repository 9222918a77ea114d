"""Recebimento e entrega de arquivos: limite de tamanho no upload, tipo pelo conteúdo e
download com nome e tipo seguros."""

import hashlib
import unicodedata

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse

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


def sem_caracteres_de_controle(texto):
    """Tira caracteres de controle e de formatação (quebras de linha, tab, RLO U+202E...)."""
    return "".join(c for c in texto if unicodedata.category(c)[0] != "C")


def nome_de_arquivo_enviado(nome, padrao="arquivo"):
    """O nome de um arquivo enviado, para guardar e mostrar: sem pasta (``C:\\x\\`` ou
    ``../``) e sem caracteres de controle, até 200 caracteres."""
    nome = (nome or "").replace("\\", "/").rsplit("/", 1)[-1]
    return sem_caracteres_de_controle(nome).strip()[:200] or padrao


# Começo de célula que uma planilha (Excel, LibreOffice) interpreta como fórmula.
_INICIO_DE_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def celula_csv_segura(valor):
    """Texto para uma célula de CSV que alguém vai abrir numa planilha (injeção de fórmula,
    OWASP "CSV Injection"): sem caracteres de controle e, se começar como fórmula (mesmo
    depois de espaços), com um apóstrofo na frente, que a planilha mostra como texto."""
    if not isinstance(valor, str):
        return valor
    limpo = sem_caracteres_de_controle(valor)
    if valor.lstrip(" ").startswith(_INICIO_DE_FORMULA) or limpo.lstrip().startswith(
        _INICIO_DE_FORMULA
    ):
        return "'" + limpo
    return limpo


def nome_para_download(nome_original, extensao):
    """Nome oferecido no download: o enviado, sem caminho nem caracteres de controle, com a
    extensão do tipo detectado (``polyglot.html`` que é PDF sai ``polyglot.pdf``)."""
    nome = nome_de_arquivo_enviado(nome_original, "").replace('"', "").strip(" .")
    base = nome.rsplit(".", 1)[0].strip(" .") if "." in nome else nome
    return f"{base[:150] or 'documento'}{extensao}"


def resposta_de_download(arquivo, nome_original, *, baixar=False, embutir=False):
    """Entrega um arquivo guardado: tipo e extensão pelo conteúdo, nunca pelo nome enviado.

    Conteúdo fora dos formatos aceitos (arquivo trocado no armazenamento) sai como binário
    genérico e sempre como anexo. A página do arquivo fica isolada (CSP ``sandbox``).
    ``embutir``: pode aparecer num quadro de uma página do próprio portal (visualizador da
    análise); a view também precisa do ``X-Frame-Options: SAMEORIGIN``.
    """
    formato = tipo_pelo_conteudo(arquivo)
    content_type, extensao = formato or ("application/octet-stream", ".bin")
    resposta = FileResponse(
        arquivo,
        content_type=content_type,
        as_attachment=baixar or formato is None,
        filename=nome_para_download(nome_original, extensao),
    )
    politica = "sandbox; default-src 'none'"
    resposta["Content-Security-Policy"] = (
        f"{politica}; frame-ancestors 'self'" if embutir else politica
    )
    resposta["Cache-Control"] = "private, no-store"
    return resposta


def resposta_pdf(arquivo, nome, *, cache_control, baixar=False):
    """Entrega um PDF gerado pelo portal (declaração, CRC, original verificado).

    Um só formato para todos: ``application/pdf``, o nome oferecido (``nome``, já seguro:
    código e CNPJ, nunca texto de quem enviou) e o ``Cache-Control`` de cada caso — sem
    cache para o que é da pessoa, poucos segundos para o CRC do dia, uma hora para o
    original imutável de um código de verificação.
    """
    resposta = FileResponse(
        arquivo, content_type="application/pdf", as_attachment=baixar, filename=nome
    )
    resposta["Cache-Control"] = cache_control
    return resposta
