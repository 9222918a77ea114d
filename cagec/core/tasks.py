"""Tasks da caixa de saída: recebem ids e só chamam a entrega; idempotentes.

Os nomes ficam os de antes da mudança para ``cagec.core`` (``accounts.tasks.*``): mensagens
já na fila e processos web da versão anterior, durante uma atualização sem parada, continuam
achando a task no worker novo.
"""

from celery import shared_task

from cagec.lib import entrega


@shared_task(
    name="accounts.tasks.enviar_email",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def enviar_email(email_id):
    return entrega.entregar(email_id)


@shared_task(name="accounts.tasks.varrer_caixa_de_saida", ignore_result=True)
def varrer_caixa_de_saida():
    """Reenvia o que ficou pendente (fila fora do ar, worker morto, SMTP com falha)."""
    return sum(entrega.entregar(pk) for pk in entrega.pendentes_para_varredura())
