"""Pontos de extensão de ``accounts`` para os apps de cima (regra 13 de ``arquitetura.md``).

``accounts`` não importa ``parceiros`` nem ``declaracoes``. Quando algo da conta interessa a
eles (a sessão que abre, o nome que muda, o painel), eles se inscrevem aqui no seu
``AppConfig.ready`` e ``accounts`` chama, em ordem, de forma síncrona e dentro da mesma
transação do serviço que chamou: não são sinais do ORM nem efeitos depois do commit.
"""

from collections.abc import Callable

_SESSAO_ABERTA: list[Callable] = []
_NOME_ALTERADO: list[Callable] = []
_PAINEL: list[Callable] = []
_VALIDACAO: list[Callable] = []
_EXPORTACAO: list[Callable] = []


def ao_abrir_sessao(funcao: Callable) -> None:
    """``funcao(request, usuario)`` roda em todo login (senha ou gov.br), depois do ``login``."""
    _SESSAO_ABERTA.append(funcao)


def ao_alterar_nome(funcao: Callable) -> None:
    """``funcao(usuario)`` roda quando a pessoa muda o próprio nome (dentro da transação)."""
    _NOME_ALTERADO.append(funcao)


def no_painel(funcao: Callable) -> None:
    """``funcao(usuario) -> dict`` contribui com o contexto da página ``/painel/``."""
    _PAINEL.append(funcao)


def na_validacao_de_cadastro(funcao: Callable) -> None:
    """``funcao(usuario) -> list`` diz o que foi importado para a pessoa (as organizações de
    que ela é RL, com cargo e mandato), mostrado na página de validação de cadastro."""
    _VALIDACAO.append(funcao)


def na_exportacao_de_dados(funcao: Callable) -> None:
    """``funcao(usuario) -> dict`` contribui com blocos da exportação LGPD (``/minha-conta/``)."""
    _EXPORTACAO.append(funcao)


def sessao_aberta(request, usuario) -> None:
    for funcao in _SESSAO_ABERTA:
        funcao(request, usuario)


def nome_alterado(usuario) -> None:
    for funcao in _NOME_ALTERADO:
        funcao(usuario)


def contexto_do_painel(usuario) -> dict:
    contexto: dict = {}
    for funcao in _PAINEL:
        contexto.update(funcao(usuario))
    return contexto


def dados_importados(usuario) -> list:
    itens: list = []
    for funcao in _VALIDACAO:
        itens.extend(funcao(usuario))
    return itens


def dados_exportados(usuario) -> dict:
    blocos: dict = {}
    for funcao in _EXPORTACAO:
        blocos.update(funcao(usuario))
    return blocos
