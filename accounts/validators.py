"""Regras de senha do portal (produto.md §2.6), além das do Django."""

import re

from django.core.exceptions import ValidationError


class ComplexidadeValidator:
    """Pelo menos uma letra maiúscula, uma minúscula, um dígito e um símbolo."""

    REGRAS = [
        (r"[A-Z]", "uma letra maiúscula"),
        (r"[a-z]", "uma letra minúscula"),
        (r"[0-9]", "um número"),
        (r"[^A-Za-z0-9]", "um símbolo (por exemplo ! @ # $ %)"),
    ]

    def validate(self, password, user=None):
        faltam = [texto for padrao, texto in self.REGRAS if not re.search(padrao, password)]
        if faltam:
            raise ValidationError(
                "A senha precisa ter ao menos " + ", ".join(faltam) + ".", code="senha_fraca"
            )

    def get_help_text(self):
        return "Use letras maiúsculas e minúsculas, números e símbolos."


class SenhaDiferenteDaAtualValidator:
    """A nova senha não pode ser igual à senha em uso."""

    def validate(self, password, user=None):
        usada = user is not None and user.pk and user.has_usable_password()
        if usada and user.check_password(password):
            raise ValidationError(
                "A nova senha deve ser diferente da senha atual.", code="senha_repetida"
            )

    def get_help_text(self):
        return "A nova senha deve ser diferente da senha atual."
