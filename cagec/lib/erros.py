"""Erro de domínio comum: a recusa de um serviço, com as mensagens para o usuário.

Cada app tem uma subclasse (``ErroDeContas``, ``ErroDeParceiros``, ``ErroDeDeclaracoes``) e
os erros específicos derivam dela. Deriva de ``ValidationError`` para que as views peguem uma
classe só (``except ErroDeDominio``) e passem o erro direto a ``form.add_error`` ou leiam
``.messages``/``.mensagens``, como com qualquer erro de validação do Django.
"""

from typing import Any

from django.core.exceptions import ValidationError


class ErroDeDominio(ValidationError):
    """Recusa de uma regra de negócio; ``mensagens`` são as frases mostradas ao usuário."""

    mensagem_padrao = "Operação não permitida."

    def __init__(
        self,
        message: str | list[str] | None = None,
        code: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(self.mensagem_padrao if message is None else message, code, params)

    @property
    def mensagens(self) -> list[str]:
        return self.messages

    def __str__(self) -> str:
        # As frases, não a repr da lista: é o que os logs e ``messages.error`` mostram.
        return " ".join(self.messages)
