"""Texto normalizado para busca: sem acentos, caixa alta, espaços simples.

"Associação  São José" e "ASSOCIACAO SAO JOSE" viram o mesmo ``ASSOCIACAO SAO JOSE``.
É feito em Python (não com ``unaccent`` do PostgreSQL) para funcionar igual no SQLite do
modo embutido; no PostgreSQL a coluna normalizada tem um índice de trigramas.
"""

import unicodedata


def normalizar_busca(texto: str | None) -> str:
    decomposto = unicodedata.normalize("NFKD", str(texto or ""))
    sem_acentos = "".join(c for c in decomposto if not unicodedata.combining(c))
    return " ".join(sem_acentos.upper().split())
