"""Pontos de extensão de ``parceiros`` para ``declaracoes`` (regra 13 de ``arquitetura.md``).

``parceiros`` não importa ``declaracoes`` nem lê as suas tabelas. O que a página da
solicitação mostra das declarações (a lista com o PDF, a assinatura e a revogação na linha do
tempo) vem de funções que ``declaracoes`` inscreve aqui no seu ``AppConfig.ready``; a
solicitação passa para *Em análise* quando ``declaracoes`` chama o serviço de ``parceiros``.
"""

from collections.abc import Callable
from typing import Any

_LINHA_DO_TEMPO: list[Callable[..., list[dict[str, Any]]]] = []
_DETALHE: list[Callable[..., dict[str, Any]]] = []


def na_linha_do_tempo(funcao: Callable[..., list[dict[str, Any]]]) -> None:
    """``funcao(solicitacao) -> [{"quando", "texto", "motivo"}]``: eventos da linha do tempo."""
    _LINHA_DO_TEMPO.append(funcao)


def no_detalhe_da_solicitacao(funcao: Callable[..., dict[str, Any]]) -> None:
    """``funcao(solicitacao, usuario) -> dict``: contexto da página da solicitação e da
    análise. A chave ``secoes`` (nomes de templates incluídos na página) se soma às demais."""
    _DETALHE.append(funcao)


def eventos_da_linha_do_tempo(solicitacao: Any) -> list[dict[str, Any]]:
    eventos: list[dict[str, Any]] = []
    for funcao in _LINHA_DO_TEMPO:
        eventos.extend(funcao(solicitacao))
    return eventos


def contexto_do_detalhe(solicitacao: Any, usuario: Any) -> dict[str, Any]:
    contexto: dict[str, Any] = {"secoes": []}
    for funcao in _DETALHE:
        parte = dict(funcao(solicitacao, usuario))
        contexto["secoes"] += parte.pop("secoes", [])
        contexto.update(parte)
    return contexto
