"""Tasks recebem ids e só chamam serviços; todas são idempotentes."""

from celery import shared_task

from cagec.lib import emails

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def enviar_email(email_id):
    return emails.entregar(email_id)


@shared_task(ignore_result=True)
def varrer_caixa_de_saida():
    """Reenvia o que ficou pendente (fila fora do ar, worker morto, SMTP com falha)."""
    return sum(emails.entregar(pk) for pk in emails.pendentes_para_varredura())


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def processar_pedido_recuperacao(pedido_id):
    """Confere um pedido de /recuperar-senha/ e envia o link (idempotente)."""
    from . import services

    return services.processar_pedido_recuperacao(pedido_id)


@shared_task(ignore_result=True)
def varrer_pedidos_de_recuperacao():
    """Processa os pedidos de recuperação que a fila não entregou."""
    from . import services

    return services.processar_pedidos_de_recuperacao_pendentes()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def enviar_lote_de_convites(ids, reenviar=False, ator_id=None):
    """Um lote de convites (agendado por ``accounts.convites``); rodar de novo não repete."""
    from . import convites

    return convites.enviar_lote(ids, reenviar=reenviar, ator_id=ator_id)


@shared_task(ignore_result=True)
def expirar_inscricoes():
    """Inscrições pelo portal nunca ativadas com o link vencido: expiram e liberam o CPF."""
    return services.expirar_inscricoes()
