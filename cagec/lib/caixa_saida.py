"""A caixa de saída como um todo: varredura, reconciliação e alertas.

A entrega de uma linha (reivindicar, enviar, gravar o desfecho) mora em ``cagec.lib.entrega``.

**Varredura** (``varrer``, task ``varrer_caixa_de_saida`` do beat, fila ``varreduras``): uma
por vez (trava do PostgreSQL), reconcilia e envia os pendentes cuja vez chegou por uma conexão
SMTP, dentro de um orçamento de tempo, parando no primeiro erro de conexão.

**Reconciliação** (``reconciliar``): *enviando* há mais que ``CAIXA_SAIDA_RECONCILIAR_APOS``
(maior que o limite duro das tasks: o worker morreu ou o banco caiu depois do aceite) sem
``dados_em`` volta a *pendente* (nada saiu); com ``dados_em`` segue a política do envio
incerto (``EMAIL_PROVEDOR_DEDUPLICA_MESSAGE_ID``). Quem volta tarde não grava por cima: toda
escrita do worker confere a ``reivindicacao``.

**Alertas** (aviso no admin e ``/saude/``):

- *pendente* cuja criação passou de ``CAIXA_SAIDA_ALERTA_APOS`` (SMTP fora, worker ou beat
  parados): contagem e idade do mais antigo;
- *enviando* há mais que ``CAIXA_SAIDA_RECONCILIAR_APOS`` (a varredura não está rodando);
- *verificar*: qualquer um (só a equipe resolve);
- *falhou* nos últimos ``CAIXA_SAIDA_ALERTA_FALHOU``.

Não há sistema de métricas no projeto: a prontidão (``/saude/prontidao/``, verificação
``caixa_de_saida``) é o que o monitoramento consulta.
"""

import logging
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from cagec.core.models import EmailSaida
from cagec.lib import entrega, travas
from cagec.lib.saude import Resultado

log = logging.getLogger(__name__)
Status = EmailSaida.Status
TRAVA_DA_VARREDURA = "cagec.caixa_de_saida.varredura"


@dataclass
class ResumoDaVarredura:
    executou: bool = False
    reconciliados: int = 0
    enviados: int = 0
    tentados: int = 0
    motivo_da_parada: str = ""


def varrer(orcamento: timedelta | None = None) -> ResumoDaVarredura:
    """Uma varredura por vez (trava do PostgreSQL): reconcilia e envia um lote por uma conexão.

    Para no primeiro erro de conexão (servidor fora não queima tentativas das outras linhas)
    e quando o ``orcamento`` (``CAIXA_SAIDA_VARREDURA_ORCAMENTO``) acaba, bem antes do limite
    duro da task.
    """
    resumo = ResumoDaVarredura()
    prazo = (
        time.monotonic() + (orcamento or settings.CAIXA_SAIDA_VARREDURA_ORCAMENTO).total_seconds()
    )
    with travas.exclusiva(TRAVA_DA_VARREDURA) as obtida:
        if not obtida:
            log.info("Caixa de saída: outra varredura em andamento; esta não faz nada")
            return resumo
        resumo.executou = True
        log.info("Caixa de saída: varredura começou")
        resumo.reconciliados = reconciliar()
        _enviar_lote(prazo, resumo)
        log.info(
            "Caixa de saída: varredura terminou (enviados=%s tentados=%s reconciliados=%s %s)",
            resumo.enviados,
            resumo.tentados,
            resumo.reconciliados,
            resumo.motivo_da_parada,
        )
    return resumo


def _enviar_lote(prazo: float, resumo: ResumoDaVarredura) -> None:
    ids = entrega.pendentes_para_varredura()
    if not ids:
        return
    conexao = entrega.backend()
    try:
        conexao.open()
    except Exception as erro:  # noqa: BLE001 — SMTP fora: nenhuma linha perde tentativa
        resumo.motivo_da_parada = f"SMTP indisponível: {erro}"
        log.warning("Caixa de saída: SMTP indisponível, %s e-mail(s) esperam: %s", len(ids), erro)
        return
    try:
        for inicio in range(0, len(ids), REIVINDICAR_DE_UMA_VEZ):
            fila = entrega.reivindicar_lote(ids[inicio : inicio + REIVINDICAR_DE_UMA_VEZ])
            try:
                while fila and _seguir(prazo, resumo):
                    _enviar_um(conexao, fila.pop(0), resumo)
            finally:
                entrega.liberar(fila)
            if resumo.motivo_da_parada:
                return
    finally:
        _fechar(conexao)


# A varredura reivindica em lotes pequenos (um COMMIT por lote); o que sobra de um lote quando
# ela para volta à fila sem contar tentativa (``liberar``).
REIVINDICAR_DE_UMA_VEZ = 20


def _seguir(prazo: float, resumo: ResumoDaVarredura) -> bool:
    if resumo.motivo_da_parada:
        return False
    if time.monotonic() >= prazo:
        resumo.motivo_da_parada = "orçamento de tempo esgotado"
        return False
    return True


def _enviar_um(
    conexao: BaseEmailBackend, reivindicado: entrega.Reivindicado, resumo: ResumoDaVarredura
) -> None:
    desfecho = entrega.enviar(conexao, reivindicado)
    resumo.tentados += 1
    resumo.enviados += desfecho is entrega.Desfecho.ENVIADO
    if desfecho in (entrega.Desfecho.CONEXAO, entrega.Desfecho.INCERTO):
        resumo.motivo_da_parada = f"parou no primeiro erro de conexão ({desfecho.value})"


def reconciliar(agora: datetime | None = None) -> int:
    """Resolve *enviando* abandonados (worker morto, banco fora depois do aceite)."""
    agora = agora or timezone.now()
    presos = EmailSaida.objects.filter(
        status=Status.ENVIANDO,
        reivindicado_em__lt=agora - settings.CAIXA_SAIDA_RECONCILIAR_APOS,
    )
    sem_corpo = presos.filter(dados_em__isnull=True).update(
        status=Status.PENDENTE,
        reivindicacao=None,
        proxima_tentativa_em=agora,
        ultimo_erro="Envio interrompido antes do corpo da mensagem (nada foi entregue); "
        "volta para a fila.",
    )
    com_corpo = presos.filter(dados_em__isnull=False)
    if settings.EMAIL_PROVEDOR_DEDUPLICA_MESSAGE_ID:
        incertos = com_corpo.update(
            status=Status.PENDENTE,
            reivindicacao=None,
            tentativas=F("tentativas") + 1,
            proxima_tentativa_em=agora,
            ultimo_erro=MOTIVO_INCERTO + " Reenviado com o mesmo Message-ID (o provedor "
            "descarta repetidos).",
        )
    else:
        incertos = com_corpo.update(
            status=Status.VERIFICAR,
            tentativas=F("tentativas") + 1,
            ultimo_erro=MOTIVO_INCERTO + " Confira no provedor se chegou.",
        )
    if sem_corpo or incertos:
        log.warning(
            "Caixa de saída: reconciliados %s envio(s) interrompido(s) sem corpo e %s com corpo",
            sem_corpo,
            incertos,
        )
    return sem_corpo + incertos


MOTIVO_INCERTO = "Envio interrompido depois de o corpo da mensagem sair para o SMTP."


def _fechar(conexao: BaseEmailBackend) -> None:
    try:
        conexao.close()
    except Exception:  # noqa: BLE001 — fechar uma conexão já quebrada não muda nada
        log.debug("Caixa de saída: erro ao fechar a conexão SMTP", exc_info=True)


# --- Alertas ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alertas:
    pendentes_atrasados: int = 0
    minutos_do_pendente_mais_antigo: int = 0
    enviando_presos: int = 0
    verificar: int = 0
    falhou_recentes: int = 0

    @property
    def algum(self) -> bool:
        return bool(
            self.pendentes_atrasados
            or self.enviando_presos
            or self.verificar
            or self.falhou_recentes
        )


def alertas(agora: datetime | None = None) -> Alertas:
    """As contagens numa consulta (índice ``status, created_at``)."""
    agora = agora or timezone.now()
    atrasado = Q(status=Status.PENDENTE, created_at__lt=agora - settings.CAIXA_SAIDA_ALERTA_APOS)
    preso = Q(
        status=Status.ENVIANDO,
        reivindicado_em__lt=agora - settings.CAIXA_SAIDA_RECONCILIAR_APOS,
    )
    falhou = Q(status=Status.FALHOU, created_at__gte=agora - settings.CAIXA_SAIDA_ALERTA_FALHOU)
    contas = EmailSaida.objects.filter(
        atrasado | preso | falhou | Q(status=Status.VERIFICAR)
    ).aggregate(
        pendentes=Count("pk", filter=atrasado),
        mais_antigo=Min("created_at", filter=atrasado),
        presos=Count("pk", filter=preso),
        verificar=Count("pk", filter=Q(status=Status.VERIFICAR)),
        falhou=Count("pk", filter=falhou),
    )
    mais_antigo = contas["mais_antigo"]
    return Alertas(
        pendentes_atrasados=contas["pendentes"],
        minutos_do_pendente_mais_antigo=(
            int((agora - mais_antigo).total_seconds() // 60) if mais_antigo else 0
        ),
        enviando_presos=contas["presos"],
        verificar=contas["verificar"],
        falhou_recentes=contas["falhou"],
    )


def verificacao_de_saude() -> Resultado:
    """``caixa_de_saida`` na prontidão: ``atencao`` com as contagens quando há o que olhar."""
    achados = alertas()
    return Resultado("atencao" if achados.algum else "ok", asdict(achados))
