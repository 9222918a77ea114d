"""Erros de domínio de ``parceiros``: a base do app e a transição recusada.

Em módulo próprio porque ``armazenamento`` (importado por ``services``) e a importação de
cadastro também recusam com eles; ``services`` reexporta os dois.
"""

from cagec.lib.erros import ErroDeDominio


class ErroDeParceiros(ErroDeDominio):
    """Recusa de um serviço de parceiros (solicitação, documento, vínculo, importação)."""


class TransicaoInvalida(ErroDeParceiros):
    """Mudança de status fora da tabela de transições ou em hora errada."""
