"""Eventos do cadastro para os webhooks: uma ``EntregaWebhook`` por (mudança, webhook).

Inscrito em ``parceiros.ganchos`` (``ApiConfig.ready``): ``parceiros`` chama dentro da
transação que muda a situação ou o impedimento, e as linhas entram na mesma transação
(caixa de saída: se a mudança desfaz, a notificação some junto; se confirma, nunca se perde).
Por conjunto, como o recálculo noturno: um ``INSERT … SELECT`` só, qualquer que seja o número
de Parceiros que mudaram. O envio sai depois do commit (``api.tasks``) e pela varredura.
"""

from datetime import datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from cagec.lib import fila
from parceiros.models import HistoricoSituacao, Parceiro

from . import tasks
from .models import EntregaWebhook, Evento, Webhook

_COLUNAS = (
    "webhook_id",
    "evento",
    "parceiro_id",
    "cnpj",
    "situacao_anterior",
    "situacao",
    "cadin_bloqueado",
    "siafi_bloqueado",
    "motivo_impedimento",
    "versao",
    "ocorrido_em",
    "status",
    "tentativas",
    "proxima_tentativa_em",
    "ultima_resposta",
    "ultimo_erro",
    "created_at",
)
_DO_PARCEIRO = "p.cnpj, {anterior}, {atual}, p.cadin_bloqueado, p.siafi_bloqueado, "
_DO_PARCEIRO += "p.motivo_impedimento, p.versao_publica, {ocorrido_em}"


def inscritos(evento: str) -> list[int]:
    """Webhooks ativos, de chaves não revogadas, que pediram o ``evento`` (poucas linhas)."""
    ativos = Webhook.objects.filter(ativo=True, chave__revogada_em__isnull=True)
    return [pk for pk, eventos in ativos.values_list("pk", "eventos") if evento in eventos]


def situacao_alterada(historicos: QuerySet[HistoricoSituacao]) -> int:
    """Cada mudança de situação em ``historicos`` vira uma entrega para cada webhook."""
    do_parceiro = _DO_PARCEIRO.format(anterior="h.de", atual="h.para", ocorrido_em="h.created_at")
    origem = (
        f"FROM {HistoricoSituacao._meta.db_table} h "
        f"JOIN {Parceiro._meta.db_table} p ON p.id = h.parceiro_id "
        "CROSS JOIN {webhooks} w WHERE h.id IN ({ids})"
    )
    return _inserir(Evento.SITUACAO, do_parceiro, origem, historicos, None)


def impedimento_alterado(parceiros: QuerySet[Parceiro]) -> int:
    """Impedimento (CADIN-MG, SIAFI-MG, motivo) mudou: uma entrega por Parceiro e webhook."""
    do_parceiro = _DO_PARCEIRO.format(anterior="p.situacao", atual="p.situacao", ocorrido_em="%s")
    origem = f"FROM {Parceiro._meta.db_table} p CROSS JOIN {{webhooks}} w WHERE p.id IN ({{ids}})"
    return _inserir(Evento.IMPEDIMENTO, do_parceiro, origem, parceiros, timezone.now())


def _inserir(
    evento: str,
    do_parceiro: str,
    origem: str,
    alvo: QuerySet[HistoricoSituacao] | QuerySet[Parceiro],
    ocorrido_em: datetime | None,
) -> int:
    webhooks = inscritos(evento)
    if not webhooks:
        return 0
    agora = connection.ops.adapt_datetimefield_value(timezone.now())
    try:
        ids_sql, ids_parametros = alvo.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # ``pk__in=[]``: o recálculo noturno sem nenhuma mudança
        return 0
    marcadores = ", ".join(["%s"] * len(webhooks))
    sql = (
        f"INSERT INTO {EntregaWebhook._meta.db_table} ({', '.join(_COLUNAS)}) "
        f"SELECT w.id, %s, p.id, {do_parceiro}, %s, 0, %s, '', '', %s "
        + origem.format(webhooks=Webhook._meta.db_table, ids=ids_sql)
        + f" AND w.id IN ({marcadores})"
    )
    ocorrido = [connection.ops.adapt_datetimefield_value(ocorrido_em)] if ocorrido_em else []
    parametros: list[Any] = [evento, *ocorrido]
    parametros += [EntregaWebhook.Status.PENDENTE, agora, agora, *ids_parametros, *webhooks]
    with connection.cursor() as cursor:
        cursor.execute(sql, parametros)
        criadas = cursor.rowcount
    if criadas:
        fila.publicar_depois_do_commit(tasks.entregar_webhooks)
    return criadas
