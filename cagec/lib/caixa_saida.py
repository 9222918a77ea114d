"""Alertas da caixa de saída: o que a equipe precisa olhar (aviso no admin e ``/saude/``).

- *pendente* cuja criação passou de ``CAIXA_SAIDA_ALERTA_APOS`` (SMTP fora, worker ou beat
  parados): contagem e idade do mais antigo;
- *enviando* há mais que ``CAIXA_SAIDA_RECONCILIAR_APOS`` (a varredura não está rodando);
- *verificar*: qualquer um (só a equipe resolve);
- *falhou* nos últimos ``CAIXA_SAIDA_ALERTA_FALHOU``.

Não há sistema de métricas no projeto: a prontidão (``/saude/prontidao/``, verificação
``caixa_de_saida``) é o que o monitoramento consulta.
"""

from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from cagec.core.models import EmailSaida
from cagec.lib.saude import Resultado

Status = EmailSaida.Status


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
