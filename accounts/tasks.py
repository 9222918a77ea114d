"""Tasks recebem ids e só chamam serviços; todas são idempotentes.

As da caixa de saída (``enviar_email``, ``varrer_caixa_de_saida``) estão em ``cagec.core.tasks``.
"""

from celery import shared_task

from . import convites, importacao, services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def processar_pedido_recuperacao(pedido_id):
    """Confere um pedido de /recuperar-senha/ e envia o link (idempotente)."""
    return services.processar_pedido_recuperacao(pedido_id)


@shared_task(ignore_result=True)
def varrer_pedidos_de_recuperacao():
    """Processa os pedidos de recuperação que a fila não entregou."""
    return services.processar_pedidos_de_recuperacao_pendentes()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def enviar_lote_de_convites(ids, reenviar=False, ator_id=None):
    """Um lote de convites (agendado por ``accounts.convites``); rodar de novo não repete."""
    return convites.enviar_lote(ids, reenviar=reenviar, ator_id=ator_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def validar_importacao(importacao_id):
    """Prévia de uma importação de cadastro (idempotente: valida uma vez só)."""
    importacao.validar(importacao_id)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    time_limit=1800,
    max_retries=240,
)
def importar_cadastro(self, importacao_id):
    """Grava uma importação confirmada (idempotente: concluída não roda de novo).

    Com outra importação gravando, tenta de novo a cada 30 s (até 2 horas).
    """
    try:
        importacao.executar(importacao_id)
    except importacao.OutraImportacaoGravando as espera:
        if self.request.retries >= self.max_retries:
            importacao.desistir_de_esperar(importacao_id)
            return
        raise self.retry(countdown=30) from espera


@shared_task(ignore_result=True)
def expirar_inscricoes():
    """Inscrições pelo portal nunca ativadas com o link vencido: expiram e liberam o CPF."""
    return services.expirar_inscricoes()
