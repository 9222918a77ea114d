"""Trilha (breadcrumbs) das páginas internas, declarada uma vez por nome de rota.

Cada página interna aparece em ``TRILHAS`` com o rótulo e a página-mãe; a trilha começa
sempre em "Painel". Rótulos com ``{}`` são preenchidos com os argumentos da rota e o
contexto da página (``{pk}``, ``{parceiro.razao_social}``); os argumentos da rota da mãe
saem dos da página atual (``pk``, ``cnpj``). Só nomes de rota: nada aqui importa um app.
"""

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()

PAINEL = "accounts:painel"
SOLICITACAO = "parceiros:solicitacao_detail"
PASTA = "parceiros:parceiro_detail"
CONTA = "accounts:minha_conta"

# rota: (rótulo, rota-mãe)
TRILHAS: dict[str, tuple[str, str | None]] = {
    PAINEL: ("Painel", None),
    CONTA: ("Minha conta", PAINEL),
    "accounts:alterar_senha": ("Senha", CONTA),
    "accounts:trocar_email": ("Trocar e-mail", CONTA),
    "accounts:definir_email": ("Definir e-mail", CONTA),
    "parceiros:solicitacao_nova": ("Inscrever organização", PAINEL),
    "parceiros:vinculacao": ("Organização já cadastrada", "parceiros:solicitacao_nova"),
    SOLICITACAO: ("Solicitação nº {pk}", PAINEL),
    "parceiros:solicitacao_passo": ("{passo_nome}", SOLICITACAO),
    "parceiros:solicitacao_corrigir": ("O que corrigir", SOLICITACAO),
    PASTA: ("{parceiro.razao_social}", PAINEL),
    "parceiros:responsaveis": ("Responsáveis pelas informações", PASTA),
    "parceiros:analise_fila": ("Análise", PAINEL),
    "parceiros:analise_decisao": ("Solicitação nº {pk}", "parceiros:analise_fila"),
    "declaracoes:assinaturas": ("Assinaturas pendentes", PAINEL),
    "declaracoes:assinar": ("Assinatura", SOLICITACAO),
    "declaracoes:consulta_cpf": ("Consulta por CPF", PAINEL),
}


class _Valores(dict):
    """Rótulo sem o valor no contexto sai vazio (nunca uma exceção na página)."""

    def __missing__(self, chave: str) -> str:
        return ""


def _rotulo(modelo: str, valores: dict[str, Any]) -> str:
    try:
        return modelo.format_map(_Valores(valores))
    except (AttributeError, KeyError, IndexError, ValueError):
        return ""


def _url(rota: str, argumentos: dict[str, Any]) -> str | None:
    for kwargs in (argumentos, {k: v for k, v in argumentos.items() if k != "passo"}, {}):
        try:
            return reverse(rota, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None


def montar(rota: str, argumentos: dict[str, Any], contexto: dict[str, Any]) -> list[dict[str, Any]]:
    """A trilha de ``rota``: [{rotulo, url}], do Painel até a página (esta sem url)."""
    itens: list[dict[str, Any]] = []
    atual: str | None = rota
    valores = {**contexto, **argumentos}
    while atual in TRILHAS and len(itens) < 8:
        modelo, mae = TRILHAS[atual]
        url = None if atual == rota else _url(atual, argumentos)
        itens.append({"rotulo": _rotulo(modelo, valores) or modelo.strip("{}"), "url": url})
        atual = mae
    return list(reversed(itens))


@register.inclusion_tag("_partials/trilha.html", takes_context=True)
def trilha(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    rota_resolvida = getattr(request, "resolver_match", None)
    rota = getattr(rota_resolvida, "view_name", None)
    user = getattr(request, "user", None)
    if rota_resolvida is None or rota not in TRILHAS or not (user and user.is_authenticated):
        return {"itens": []}
    valores = {str(chave): valor for chave, valor in context.flatten().items()}
    return {"itens": montar(rota, dict(rota_resolvida.kwargs), valores)}
