"""CPF, CNPJ (numérico e alfanumérico) e telefone: normalizar, validar e formatar.

Formas armazenadas: CPF com 11 dígitos; CNPJ com 14 caracteres maiúsculos sem pontuação
(12 em [0-9A-Z] + 2 dígitos verificadores numéricos, regra da Receita em vigor desde
julho de 2026: cada caractere vale ``ord(c) - 48``). Nunca trate CNPJ como número.
"""

import re

_PONTUACAO = re.compile(r"[\s.\-/]")
_CNPJ_FORMA = re.compile(r"[0-9A-Z]{12}[0-9]{2}")
_CPF_FORMA = re.compile(r"[0-9]{11}")


def _limpar(valor: str | None) -> str:
    return _PONTUACAO.sub("", str(valor or "")).upper()


def normalizar_cpf(valor: str | None) -> str:
    """Retira pontuação e espaços; não valida."""
    return _limpar(valor)


def _dv_cpf(base: str) -> str:
    for tamanho in (9, 10):
        soma = sum(int(c) * peso for c, peso in zip(base, range(tamanho + 1, 1, -1), strict=False))
        resto = (soma * 10) % 11
        base += str(0 if resto == 10 else resto)
    return base[-2:]


def cpf_valido(valor: str | None) -> bool:
    cpf = normalizar_cpf(valor)
    if not _CPF_FORMA.fullmatch(cpf) or cpf == cpf[0] * 11:
        return False
    return _dv_cpf(cpf[:9]) == cpf[9:]


def formatar_cpf(valor: str | None) -> str:
    cpf = normalizar_cpf(valor)
    if len(cpf) != 11:
        return cpf
    return f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}"


def mascarar_cpf(valor: str | None) -> str:
    """``***.456.789-**``: a forma de todo CPF em página pública, PDF, log ou auditoria."""
    cpf = normalizar_cpf(valor)
    if len(cpf) != 11:
        return "***.***.***-**"
    return f"***.{cpf[3:6]}.{cpf[6:9]}-**"


# Partículas que não viram inicial: "Maria da Silva" é "Maria S.", não "Maria D. S.".
_PARTICULAS = {"da", "das", "de", "do", "dos", "e", "d'"}


def abreviar_nome(nome: str | None) -> str:
    """``Maria S. O.``: primeiro nome e iniciais, a forma do nome de quem foi indicado por
    outra pessoa e ainda não aceitou (quem digitou o CPF não descobre o nome completo)."""
    partes = [p for p in (nome or "").split() if p]
    if not partes:
        return ""
    iniciais = [f"{p[0].upper()}." for p in partes[1:] if p.lower() not in _PARTICULAS]
    return " ".join([partes[0], *iniciais])


def normalizar_cnpj(valor: str | None) -> str:
    return _limpar(valor)


def _dv_cnpj(base: str) -> str:
    pesos = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    for tamanho in (12, 13):
        soma = sum((ord(c) - 48) * p for c, p in zip(base, pesos[13 - tamanho :], strict=True))
        resto = soma % 11
        base += str(0 if resto < 2 else 11 - resto)
    return base[-2:]


def cnpj_valido(valor: str | None) -> bool:
    cnpj = normalizar_cnpj(valor)
    if not _CNPJ_FORMA.fullmatch(cnpj) or cnpj == cnpj[0] * 14:
        return False
    return _dv_cnpj(cnpj[:12]) == cnpj[12:]


def formatar_cnpj(valor: str | None) -> str:
    c = normalizar_cnpj(valor)
    if len(c) != 14:
        return c
    return f"{c[:2]}.{c[2:5]}.{c[5:8]}/{c[8:12]}-{c[12:]}"


def calcular_dv_cnpj(base12: str) -> str:
    """Os dois dígitos verificadores de uma base de 12 caracteres (dados de teste e demo)."""
    return _dv_cnpj(normalizar_cnpj(base12))


def calcular_dv_cpf(base9: str) -> str:
    return _dv_cpf(normalizar_cpf(base9))


def normalizar_telefone(valor: str | None) -> str:
    """Só os dígitos ASCII, sem o +55 inicial (``\\D`` aceitaria dígitos de outras escritas)."""
    digitos = re.sub(r"[^0-9]", "", str(valor or ""))
    if len(digitos) in (12, 13) and digitos.startswith("55"):
        digitos = digitos[2:]
    return digitos


def telefone_valido(valor: str | None) -> bool:
    """DDD (11–99) + 8 dígitos (fixo) ou 9 dígitos começando por 9 (celular)."""
    t = normalizar_telefone(valor)
    if len(t) not in (10, 11) or t[0] == "0" or t[1] == "0":
        return False
    return len(t) == 10 or t[2] == "9"


def formatar_telefone(valor: str | None) -> str:
    t = normalizar_telefone(valor)
    if len(t) == 11:
        return f"({t[:2]}) {t[2:7]}-{t[7:]}"
    if len(t) == 10:
        return f"({t[:2]}) {t[2:6]}-{t[6:]}"
    return t
