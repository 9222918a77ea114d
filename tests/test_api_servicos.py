"""A API dos serviços é uma só (issue #12, item 5; regra 14 de arquitetura.md).

* quem age é sempre ``ator``, só por nome; o objeto sobre o qual se age vem primeiro,
  posicional (``bloquear(usuario, *, ator, ip=None)``);
* quem audita recebe ``ip``, só por nome e opcional;
* todo erro de domínio deriva de ``cagec.lib.erros.ErroDeDominio`` (um por app) e as views
  pegam a base, nunca uma tupla de erros;
* nada de apelidos de uma letra (``S = Solicitacao.Status``) no código de produção.
"""

import ast
import importlib
import inspect
import pickle
from pathlib import Path

import pytest

from cagec.lib.erros import ErroDeDominio

RAIZ = Path(__file__).resolve().parent.parent
APPS = ("cagec", "accounts", "parceiros", "declaracoes")
SERVICOS = (
    "accounts.services",
    "parceiros.services",
    "parceiros.analise",
    "parceiros.importacao.services",
    "declaracoes.services",
)
BASES = {
    "accounts": "ErroDeContas",
    "parceiros": "ErroDeParceiros",
    "declaracoes": "ErroDeDeclaracoes",
}
# Nomes que, fora da primeira posição, só podem ser a pessoa que age.
NOMES_DE_QUEM_AGE = {"usuario", "analista", "rl", "signatario", "ator"}
# Chamadas que gravam auditoria: quem as faz com um ``ator`` também recebe o ``ip``.
AUDITORIA = {"registrar", "montar", "transicionar", "_transicionar"}

pytestmark = pytest.mark.django_db  # as fixtures automáticas da suíte usam o banco


def _producao():
    for app in APPS:
        for caminho in sorted((RAIZ / app).rglob("*.py")):
            if "migrations" not in caminho.parts:
                yield caminho


def _funcoes_publicas(nome_modulo):
    caminho = RAIZ / (nome_modulo.replace(".", "/") + ".py")
    arvore = ast.parse(caminho.read_text(encoding="utf-8"))
    for no in arvore.body:
        if isinstance(no, ast.FunctionDef) and not no.name.startswith("_"):
            yield no


def _chama(no, nomes):
    for filho in ast.walk(no):
        if isinstance(filho, ast.Call):
            alvo = filho.func
            nome = alvo.attr if isinstance(alvo, ast.Attribute) else getattr(alvo, "id", "")
            if nome in nomes:
                return True
    return False


@pytest.mark.parametrize("nome_modulo", SERVICOS)
def test_quem_age_e_ator_so_por_nome_e_o_ip_e_opcional(nome_modulo):
    erros = []
    for funcao in _funcoes_publicas(nome_modulo):
        args = funcao.args
        posicionais = [a.arg for a in args.posonlyargs + args.args]
        por_nome = {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)}
        quem_age = [n for n in posicionais[1:] if n in NOMES_DE_QUEM_AGE]
        if not nome_modulo.startswith("accounts."):
            # Fora de contas, ``usuario`` é sempre quem age (a pessoa sobre quem se age é
            # ``pessoa``); em contas, na primeira posição, é a conta sobre a qual se age.
            quem_age += [n for n in posicionais[:1] if n == "usuario"]
        if quem_age or (posicionais[:1] == ["ator"]):
            erros.append(f"{funcao.name}: quem age é posicional ({posicionais})")
        if "ip" in posicionais:
            erros.append(f"{funcao.name}: ip posicional")
        if "ip" in por_nome and not (
            isinstance(por_nome["ip"], ast.Constant) and por_nome["ip"].value is None
        ):
            erros.append(f"{funcao.name}: ip sem o padrão None")
        if "ator" in por_nome and "ip" not in por_nome and _chama(funcao, AUDITORIA):
            erros.append(f"{funcao.name}: audita com ator mas não recebe ip")
    assert not erros, "\n".join(erros)


@pytest.mark.parametrize("nome_modulo", SERVICOS + ("parceiros.armazenamento",))
def test_erros_dos_servicos_derivam_da_base_do_app(nome_modulo):
    modulo = importlib.import_module(nome_modulo)
    base = getattr(
        importlib.import_module(f"{nome_modulo.split('.')[0]}.services"),
        BASES[nome_modulo.split(".")[0]],
    )
    assert issubclass(base, ErroDeDominio)
    excecoes = [
        valor
        for valor in vars(modulo).values()
        if inspect.isclass(valor)
        and issubclass(valor, Exception)
        and valor.__module__.split(".")[0] in BASES
    ]
    assert excecoes, "o módulo recusa com algum erro de domínio"
    fora = [e.__name__ for e in excecoes if not issubclass(e, ErroDeDominio)]
    assert not fora, f"erros de domínio fora de ErroDeDominio: {fora}"


def test_erro_de_dominio_leva_as_mensagens_para_a_view():
    erro = ErroDeDominio(["Primeira frase.", "Segunda frase."])
    assert erro.mensagens == ["Primeira frase.", "Segunda frase."]
    assert str(erro) == "Primeira frase. Segunda frase."
    assert ErroDeDominio().mensagens == ["Operação não permitida."]
    # Vai e volta pela fila (Celery serializa a exceção de uma tarefa) sem perder a frase.
    copia = pickle.loads(pickle.dumps(ErroDeDominio("Outra importação está gravando.")))
    assert copia.mensagens == ["Outra importação está gravando."]


def test_views_e_admin_pegam_a_base_e_nao_tuplas_de_erros():
    nomes_de_erro = {"ValidationError", "ErroDeDominio", *BASES.values()}
    for nome_modulo in SERVICOS + ("parceiros.armazenamento",):
        modulo = importlib.import_module(nome_modulo)
        for valor in vars(modulo).values():
            if (
                inspect.isclass(valor)
                and issubclass(valor, Exception)
                and valor.__module__.split(".")[0] in BASES
            ):
                nomes_de_erro.add(valor.__name__)
    erros = []
    for caminho in _producao():
        if not caminho.name.startswith(("views", "admin")):
            continue
        for no in ast.walk(ast.parse(caminho.read_text(encoding="utf-8"))):
            if isinstance(no, ast.ExceptHandler) and isinstance(no.type, ast.Tuple):
                nomes = {
                    e.attr if isinstance(e, ast.Attribute) else getattr(e, "id", "")
                    for e in no.type.elts
                }
                if nomes & nomes_de_erro:
                    erros.append(f"{caminho.relative_to(RAIZ)}:{no.lineno}")
    assert not erros, "except com tupla de erros de domínio: " + ", ".join(erros)


def test_sem_apelidos_de_uma_letra_no_codigo_de_producao():
    apelidos = []
    for caminho in _producao():
        for no in ast.parse(caminho.read_text(encoding="utf-8")).body:
            if isinstance(no, ast.Assign):
                for alvo in no.targets:
                    if isinstance(alvo, ast.Name) and len(alvo.id) == 1:
                        apelidos.append(f"{caminho.relative_to(RAIZ)}:{no.lineno} {alvo.id}")
    assert not apelidos, "apelidos de uma letra: " + ", ".join(apelidos)
