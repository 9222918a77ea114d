"""Prazos em dias úteis (segunda a sexta; feriados não entram na conta)."""

from datetime import date, timedelta


def somar_dias_uteis(inicio: date, dias: int) -> date:
    """A data ``dias`` dias úteis depois de ``inicio`` (sábado e domingo não contam)."""
    dia = inicio
    restam = dias
    while restam > 0:
        dia += timedelta(days=1)
        if dia.weekday() < 5:
            restam -= 1
    return dia
