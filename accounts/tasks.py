"""Tasks recebem ids e só chamam serviços; todas são idempotentes.

As da caixa de saída (``enviar_email``, ``varrer_caixa_de_saida``) estão em ``cagec.core.tasks``.
"""

from celery import shared_task

from . import convites, services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def processar_pedido_recuperacao(pedido_id):
    """Confere um pedido de /recuperar-senha/ e envia o link (idempotente)."""
    return services.processar_pedido_recuperacao(pedido_id)


@shared_task(ignore_result=True)
def varrer_pedidos_de_recuperacao():
    """Processa os pedidos de recuperação que a fila não entregou."""
    return services.processar_pedidos_de_recuperacao_pendentes()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def processar_convites():
    """Atende os próximos pedidos de convite (beat a cada minuto; ``accounts.convites``)."""
    return convites.processar()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def enviar_lote_de_convites(ids, reenviar=False, ator_id=None):
    """Tarefas publicadas antes dos pedidos no banco: viram pedidos (rodar de novo não repete)."""
    return convites.enviar_lote(ids, reenviar=reenviar, ator_id=ator_id)


@shared_task(ignore_result=True)
def expirar_inscricoes():
    """Inscrições pelo portal nunca ativadas com o link vencido: expiram e liberam o CPF."""
    return services.expirar_inscricoes()
