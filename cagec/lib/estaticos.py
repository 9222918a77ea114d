"""Arquivos estáticos com o hash do conteúdo no nome, em todos os modos (inclusive DEBUG).

O ``ManifestStaticFilesStorage`` do Django devolve o nome sem hash quando ``DEBUG`` está
ligado; aqui a URL sai sempre do manifesto (``staticfiles.json``, gerado pelo
``collectstatic``). Com o hash no nome, o WhiteNoise marca a resposta como imutável
(``Cache-Control: max-age=315360000, public, immutable``) e o navegador não pergunta de novo
pelos arquivos a cada página. Arquivo novo em ``static/`` (ou num app) entra sozinho no
próximo ``collectstatic``; arquivo referenciado e ausente do manifesto é erro (``ValueError``),
não um link quebrado silencioso.
"""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class _SempreComHash:
    """Mistura: ``url()`` consulta o manifesto mesmo com ``DEBUG`` ligado."""

    def url(self, name: str | None, force: bool = False) -> str:
        return super().url(name, force=True)  # type: ignore[misc]  # mistura de storage


class EstaticosComprimidos(_SempreComHash, CompressedManifestStaticFilesStorage):
    """Modo embutido, pilha completa e produção: hash no nome e cópias .gz/.br."""


class EstaticosComHash(_SempreComHash, ManifestStaticFilesStorage):
    """Testes: mesmos nomes e URLs, sem a compressão (que levaria ~20 s por processo)."""
