"""Equipamento dos testes do disjuntor: gunicorn de produção num subprocesso e carga com threads.

- o gunicorn de produção vem de ``equipamento.gunicorn_de_producao`` (comum a todos os
  testes de falha); ``contar("disjuntor aberto")`` diz quantos processos já abriram o disjuntor.
- ``Navegador``: um visitante com conexão HTTP própria (keep-alive), cookies e o IP que o
  balanceador informa em ``X-Forwarded-For`` (``PROXIES_CONFIAVEIS=127.0.0.1``): cada
  visitante é um IP, como na vida real, e o limite por IP não se confunde com o teste.
- ``carga``: N pedidos distribuídos entre ``concorrencia`` threads; devolve (rótulo, status,
  segundos) de cada um.
"""

import http.client
import random
import re
import threading
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlencode


class Navegador:
    """Um visitante: conexão keep-alive, cookies e um IP (``X-Forwarded-For``) só dele."""

    def __init__(self, porta: int, ip: str | None = None):
        self.porta = porta
        self.ip = ip or "10." + ".".join(str(random.randrange(1, 255)) for _ in range(3))
        self.cookies: dict[str, str] = {}
        self.conexao = http.client.HTTPConnection("127.0.0.1", porta, timeout=30)

    def pedir(self, metodo: str, caminho: str, dados: dict | None = None, *, cookies=None):
        cabecalhos = {"X-Forwarded-For": self.ip, "Host": "127.0.0.1"}
        todos = {**self.cookies, **(cookies or {})}
        if todos:
            cabecalhos["Cookie"] = "; ".join(f"{k}={v}" for k, v in todos.items())
        corpo = None
        if dados is not None:
            corpo = urlencode(dados)
            cabecalhos["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conexao.request(metodo, caminho, body=corpo, headers=cabecalhos)
            resposta = self.conexao.getresponse()
        except (OSError, http.client.HTTPException):
            self.conexao.close()
            self.conexao = http.client.HTTPConnection("127.0.0.1", self.porta, timeout=30)
            self.conexao.request(metodo, caminho, body=corpo, headers=cabecalhos)
            resposta = self.conexao.getresponse()
        conteudo = resposta.read()
        for cabecalho in resposta.headers.get_all("Set-Cookie") or []:
            nome, _, resto = cabecalho.partition("=")
            self.cookies[nome.strip()] = resto.split(";", 1)[0]
        return resposta.status, conteudo, resposta.headers

    def csrf(self, caminho: str) -> str:
        """Abre o formulário e devolve o token (o segredo do cookie também vale no POST)."""
        self.pedir("GET", caminho)
        return self.cookies["csrftoken"]

    def fechar(self):
        self.conexao.close()


def cpf_valido() -> str:
    base = [random.randrange(10) for _ in range(9)]
    for _ in range(2):
        soma = sum(d * p for d, p in zip(base, range(len(base) + 1, 1, -1), strict=True))
        base.append(0 if soma % 11 < 2 else 11 - soma % 11)
    return "".join(map(str, base))


def inscrever(navegador: "Navegador") -> tuple[str, tuple]:
    """POST de uma inscrição nova (CPF e e-mail distintos); devolve (e-mail, resposta)."""
    email = f"inscrita-{uuid.uuid4().hex[:12]}@exemplo.com.br"
    dados = {
        "cpf": cpf_valido(),
        "nome": "Maria da Conceição Souza",
        "email": email,
        "email_confirmacao": email,
        "telefone": "(31) 99999-0000",
        "csrfmiddlewaretoken": navegador.cookies["csrftoken"],
    }
    return email, navegador.pedir("POST", "/inscricao/", dados)


def codigo_aleatorio() -> str:
    return "".join(random.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(16))


# Cada visitante faz alguns pedidos e vai embora: os limites por IP (20/min na inscrição, 30/min
# na verificação) valem como para gente de verdade, e não confundem a medida.
PEDIDOS_POR_VISITANTE = 10


def carga(
    pedidos: list[Callable[[Navegador], tuple[str, int]]],
    porta: int,
    *,
    concorrencia: int,
    preparar: Callable[[Navegador], None] | None = None,
) -> list[tuple[str, int, float]]:
    """Roda cada pedido (função que recebe um ``Navegador`` e devolve (rótulo, status)).

    Cada thread é uma sequência de visitantes (``PEDIDOS_POR_VISITANTE`` pedidos cada, o
    ``preparar`` fora da medida); a duração é a do pedido visto pelo cliente.
    """
    fila = list(enumerate(pedidos))
    trava = threading.Lock()
    resultados: list[tuple[str, int, float]] = []

    def novo_visitante():
        navegador = Navegador(porta)
        if preparar:
            preparar(navegador)
        return navegador

    def trabalhar():
        navegador = novo_visitante()
        feitos = 0
        while True:
            with trava:
                if not fila:
                    break
                _, pedido = fila.pop()
            if feitos == PEDIDOS_POR_VISITANTE:  # outro visitante (outro IP) chega
                navegador.fechar()
                navegador, feitos = novo_visitante(), 0
            feitos += 1
            inicio = time.perf_counter()
            rotulo, status = pedido(navegador)
            duracao = time.perf_counter() - inicio
            with trava:
                resultados.append((rotulo, status, duracao))
        navegador.fechar()

    threads = [threading.Thread(target=trabalhar) for _ in range(concorrencia)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return resultados


def percentil(valores: list[float], p: float) -> float:
    ordenados = sorted(valores)
    if not ordenados:
        return 0.0
    indice = min(len(ordenados) - 1, max(0, round(p / 100 * len(ordenados) + 0.5) - 1))
    return ordenados[indice]


def token_do_formulario(html: bytes) -> str:
    achado = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return achado.group(1).decode() if achado else ""
