"""Tasks da caixa de saída: recebem ids e só chamam a entrega; idempotentes.

Os nomes ficam os de antes da mudança para ``cagec.core`` (``accounts.tasks.*``): mensagens
já na fila e processos web da versão anterior, durante uma atualização sem parada, continuam
achando a task no worker novo. As filas (``emails`` para o envio, ``varreduras`` para a
varredura) estão em ``CELERY_TASK_ROUTES``: um envio novo nunca espera atrás de um lote preso.
"""

from celery import shared_task
from django.conf import settings

from cagec.lib import caixa_saida, entrega


@shared_task(
    name="accounts.tasks.enviar_email",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def enviar_email(email_id):
    """Envia um e-mail pendente (uma vez; se a vez dele ainda não chegou, não faz nada)."""
    return entrega.entregar(email_id)


@shared_task(
    name="accounts.tasks.varrer_caixa_de_saida",
    ignore_result=True,
    time_limit=settings.CAIXA_SAIDA_VARREDURA_LIMITE,
)
def varrer_caixa_de_saida():
    """Reconcilia envios interrompidos e envia os pendentes cuja vez chegou (uma por vez)."""
    return caixa_saida.varrer().enviados
