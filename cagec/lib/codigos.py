"""Códigos de verificação: 80 bits aleatórios em base32 de Crockford, lidos em grupos.

Guardado sem hífens (16 caracteres maiúsculos); exibido ``XXXX-XXXX-XXXX-XXXX``. Na
leitura, minúsculas, espaços e hífens são ignorados e as letras que o Crockford não usa
viram o dígito parecido (I e L → 1, O → 0).
"""

import re
import secrets

ALFABETO = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TAMANHO = 16  # 16 × 5 bits = 80 bits
_TROCAS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_VALIDO = re.compile(f"[{ALFABETO}]{{{TAMANHO}}}")


def gerar_codigo() -> str:
    return "".join(secrets.choice(ALFABETO) for _ in range(TAMANHO))


def normalizar_codigo(valor: str | None) -> str:
    """Forma guardada do que a pessoa digitou, ou ``""`` se não pode ser um código."""
    limpo = re.sub(r"[\s\-.]", "", str(valor or "")).upper().translate(_TROCAS)
    return limpo if _VALIDO.fullmatch(limpo) else ""


def formatar_codigo(codigo: str) -> str:
    return "-".join(codigo[i : i + 4] for i in range(0, len(codigo), 4))
