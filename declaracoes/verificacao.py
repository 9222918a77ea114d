"""Verificação de autenticidade (produto.md §5.3): por código ou pelo próprio PDF.

Um código (ou um SHA-256) é procurado nos CRCs e nas declarações assinadas, sempre nas
duas tabelas (duas consultas), achando ou não: o tempo de resposta não diz onde parou.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from cagec.lib.arquivos import sha256_do_arquivo

from .models import Certificado, Declaracao


@dataclass(frozen=True)
class Resultado:
    certificado: Certificado | None = None
    declaracao: Declaracao | None = None

    @property
    def documento(self):
        return self.certificado or self.declaracao

    @property
    def encontrado(self):
        return self.documento is not None

    @property
    def revogado_em(self):
        if self.certificado:
            return self.certificado.revogado_em
        return self.declaracao.revogada_em if self.declaracao else None

    @property
    def revogado(self):
        return self.revogado_em is not None


def _procurar(**filtro) -> Resultado:
    certificado = Certificado.objects.select_related("parceiro").filter(**filtro).first()
    declaracao = Declaracao.objects.filter(**filtro).first()
    return Resultado(certificado=certificado, declaracao=None if certificado else declaracao)


def por_codigo(codigo: str) -> Resultado:
    """``codigo`` já normalizado (``cagec.lib.codigos.normalizar_codigo``)."""
    if not codigo:
        return Resultado()
    return _procurar(codigo=codigo)


def por_arquivo(arquivo) -> Resultado:
    """O arquivo enviado é idêntico (byte a byte, pelo SHA-256) a um original?"""
    return _procurar(sha256_pdf=sha256_do_arquivo(arquivo))


# --- Página pronta em cache (visitantes anônimos) ---------------------------------------------
# A página de um código encontrado fica 60 s no cache: a "situação hoje" pode atrasar até
# um minuto; a revogação apaga a página na hora (``esquecer``, depois do commit).
SEGUNDOS_NO_CACHE = 60


def _chave(codigo):
    return f"declaracoes:verificacao:{codigo}"


def pagina_em_cache(codigo):
    return cache.get(_chave(codigo)) if codigo else None


def guardar_pagina(codigo, conteudo: bytes):
    cache.set(_chave(codigo), conteudo, SEGUNDOS_NO_CACHE)


def esquecer(codigo):
    """Chamado pelos serviços de revogação: a próxima verificação já mostra "revogado".

    Apaga agora e de novo depois do commit (um pedido no meio poderia regravar a página
    antiga antes de a revogação valer).
    """
    cache.delete(_chave(codigo))
    transaction.on_commit(lambda: cache.delete(_chave(codigo)))
