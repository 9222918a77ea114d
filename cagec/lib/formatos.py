"""Formatos brasileiros de exibição: data, telefone, CEP, CNAE (e CPF/CNPJ de ``documentos``).

Uma função por formato, usada pelas páginas (filtros ``{% load formatos %}``), pelos PDFs
e pelos e-mails. O que é guardado não muda: o retrato da Receita (``dados["receita"]``)
continua com datas ISO e só dígitos; só a exibição é brasileira. Toda função aceita o
valor já formatado, vazio ou estranho sem quebrar: devolve o valor como veio (ou ``""``)
quando não o reconhece, nunca inventa dígitos.
"""

import re
from datetime import date, datetime

from django.utils import timezone

from . import documentos
from .documentos import formatar_cnpj, formatar_cpf, normalizar_telefone

__all__ = [
    "formatar_cep",
    "formatar_cnae",
    "formatar_cnpj",
    "formatar_cpf",
    "formatar_data",
    "formatar_data_hora",
    "formatar_telefone",
]

_SO_DIGITOS = re.compile(r"[^0-9]")
_CNAE_NO_INICIO = re.compile(r"^\s*(\d{4})-?(\d)/?(\d{2})(?!\d)")
_NAO_GEOGRAFICO = ("0300", "0500", "0800", "0900")


def _texto(valor: object) -> str:
    return "" if valor is None else str(valor).strip()


def formatar_telefone(valor: object) -> str:
    """``(31) 3281-5500``, ``(31) 98765-4321`` e ``0800 123 4567`` (não geográficos).

    Os fixos e celulares são os de ``documentos.formatar_telefone`` (a mesma regra das
    máscaras e da validação); aqui só se acrescentam os números 0300/0500/0800/0900.
    """
    texto = _texto(valor)
    digitos = normalizar_telefone(texto)
    if len(digitos) == 11 and digitos[:4] in _NAO_GEOGRAFICO:
        return f"{digitos[:4]} {digitos[4:7]} {digitos[7:]}"
    return documentos.formatar_telefone(texto)


def formatar_cep(valor: object) -> str:
    """``35400-000`` a partir de ``35400000``, ``35.400-000`` ou ``35400-000``."""
    texto = _texto(valor)
    digitos = _SO_DIGITOS.sub("", texto)
    if len(digitos) != 8:
        return texto
    return f"{digitos[:5]}-{digitos[5:]}"


def formatar_cnae(valor: object) -> str:
    """``9493-6/00``; o código no início de ``"9493600 — Atividades..."`` também é formatado."""
    texto = _texto(valor)
    achado = _CNAE_NO_INICIO.match(texto)
    if not achado:
        return texto
    codigo = f"{achado[1]}-{achado[2]}/{achado[3]}"
    return codigo + texto[achado.end() :]


def _como_data(valor: object) -> date | datetime | None:
    if isinstance(valor, date):  # datetime é subclasse de date
        return valor
    texto = _texto(valor)
    if not texto:
        return None
    try:
        return datetime.fromisoformat(texto) if "T" in texto else date.fromisoformat(texto[:10])
    except ValueError:
        return None


def _local(momento: datetime) -> datetime:
    return timezone.localtime(momento) if timezone.is_aware(momento) else momento


def formatar_data(valor: object) -> str:
    """``dd/mm/aaaa`` de uma data, um datetime (no fuso do portal) ou uma data ISO."""
    dia = _como_data(valor)
    if dia is None:
        return _texto(valor)
    if isinstance(dia, datetime):
        dia = _local(dia)
    return dia.strftime("%d/%m/%Y")


def formatar_data_hora(valor: object) -> str:
    """``dd/mm/aaaa hh:mm`` (horário de Brasília); uma data sem hora sai só como data."""
    momento = _como_data(valor)
    if not isinstance(momento, datetime):
        return formatar_data(valor)
    return _local(momento).strftime("%d/%m/%Y %H:%M")
