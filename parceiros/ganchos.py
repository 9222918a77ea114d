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


# --- Mudanças do registro público para quem está acima (``api``: webhooks) ------------------
# Chamadas dentro da transação da mudança, com um queryset (por conjunto: o recálculo noturno
# passa todas as mudanças de uma vez); quem se inscreve grava na mesma transação.
_SITUACAO_ALTERADA: list[Callable[[Any], object]] = []
_IMPEDIMENTO_ALTERADO: list[Callable[[Any], object]] = []


def ao_alterar_situacao(funcao: Callable[[Any], object]) -> None:
    """``funcao(historicos)``: as linhas novas de ``HistoricoSituacao`` (um queryset)."""
    _SITUACAO_ALTERADA.append(funcao)


def ao_alterar_impedimento(funcao: Callable[[Any], object]) -> None:
    """``funcao(parceiros)``: Parceiros cujo CADIN-MG ou SIAFI-MG mudou (um queryset)."""
    _IMPEDIMENTO_ALTERADO.append(funcao)


def situacao_alterada(historicos: Any) -> None:
    for funcao in _SITUACAO_ALTERADA:
        funcao(historicos)


def impedimento_alterado(parceiros: Any) -> None:
    for funcao in _IMPEDIMENTO_ALTERADO:
        funcao(parceiros)
