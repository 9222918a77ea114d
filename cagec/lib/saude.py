"""Saúde do portal: vivacidade (``/saude/``) e prontidão (``/saude/prontidao/``).

- **Vivacidade** (o que o balanceador consulta): este processo web atende? Só o banco
  decide (sem banco não há página). Redis fora ou congelado não tira o nó do balanceador:
  o portal degrada (sem cache, limites por IP abertos, tarefas deixadas para a varredura).
- **Prontidão** (o que o operador e o monitoramento consultam): cada peça que entrega o
  serviço por inteiro — banco, Redis, worker, caixa de saída, mídia, importações. Cada app
  registra as suas verificações no ``AppConfig.ready`` com ``registrar`` (como os rótulos da
  auditoria): ``cagec`` não importa os apps (regra 13).

Uma verificação devolve ``Resultado``: ``ok``, ``atencao`` (funciona, mas alguém precisa
olhar: e-mails parados, worker sem batimento recente), ``falha`` (não funciona) ou
``nao_configurado``. A prontidão responde 503 se alguma verificação der ``falha``.
O ``detalhe`` (contagens, idades) só aparece para a equipe (``is_staff``) ou para quem
manda ``Authorization: Bearer <SAUDE_TOKEN>``; os demais veem só o estado de cada peça.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import redis
from django.conf import settings
from django.db import connection

from cagec.lib import disjuntor

log = logging.getLogger(__name__)

Estado = Literal["ok", "atencao", "falha", "nao_configurado"]


@dataclass(frozen=True)
class Resultado:
    estado: Estado
    detalhe: dict[str, Any] = field(default_factory=dict)


Verificacao = Callable[[], Resultado]
_VERIFICACOES: dict[str, Verificacao] = {}


def registrar(nome: str, verificacao: Verificacao) -> None:
    """Inclui ``verificacao`` na prontidão com o nome ``nome`` (chave do JSON)."""
    _VERIFICACOES[nome] = verificacao


def verificacoes() -> dict[str, Verificacao]:
    return dict(_VERIFICACOES)


def executar(nome: str, verificacao: Verificacao) -> Resultado:
    """Roda uma verificação; se ela mesma quebrar, o resultado é ``falha`` (nunca um 500)."""
    try:
        return verificacao()
    except Exception as erro:  # noqa: BLE001 — a página de saúde nunca pode cair
        log.exception("Saúde: a verificação %s quebrou", nome)
        return Resultado("falha", {"erro": type(erro).__name__})


def prontidao() -> dict[str, Resultado]:
    return {nome: executar(nome, v) for nome, v in _VERIFICACOES.items()}


def banco() -> Resultado:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Resultado("ok")
    except Exception:  # noqa: BLE001 — qualquer falha conta como fora do ar
        log.exception("Saúde: banco indisponível")
        return Resultado("falha")


def redis_() -> Resultado:
    """Ping no Redis com o tempo limite curto do cache, pelo disjuntor (nunca trava a página).

    Disjuntor aberto: "falha" sem nem tentar (o portal está degradado: sem cache, limites
    abertos, tarefas para a varredura); passada a janela, este ping pode ser o teste.
    """
    if not settings.REDIS_URL:
        return Resultado("nao_configurado")
    protecao = disjuntor.do_redis(settings.REDIS_URL)
    if not protecao.permite():
        return Resultado("falha", {"disjuntor": protecao.estado, "modo": "degradado"})
    tempo = settings.REDIS_TEMPO_LIMITE
    try:
        cliente = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=tempo, socket_timeout=tempo
        )
        cliente.ping()
    except Exception as erro:  # noqa: BLE001
        protecao.falhou(erro)
        log.warning("Saúde: Redis indisponível")
        return Resultado("falha", {"disjuntor": protecao.estado, "modo": "degradado"})
    protecao.funcionou()
    return Resultado("ok")


registrar("banco", banco)
registrar("redis", redis_)
