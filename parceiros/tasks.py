"""Tasks recebem ids e só chamam serviços; todas são idempotentes."""

import logging

from celery import shared_task

from . import armazenamento, avisos, importacao, services, situacao
from .models import Parceiro

log = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def rotina_diaria():
    """Recalcula a situação de todos os Parceiros, envia os avisos de vencimento do dia e
    avisa/cancela os rascunhos parados (``services.expirar_rascunhos``).

    Rodar de novo no mesmo dia não muda nada nem repete e-mail (ver ``parceiros.avisos``).
    """
    dia = situacao.hoje()
    mudaram = situacao.recalcular_todos(dia)
    avisados = avisos.avisar_vencimentos(dia)
    rascunhos = services.expirar_rascunhos(dia)
    if any(rascunhos.values()):
        log.info("Rascunhos parados: %(avisados)d avisados, %(cancelados)d cancelados", rascunhos)
    return {"mudaram": mudaram, "avisos": avisados}


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def varrer_arquivos_orfaos():
    """Apaga temporários de gravação velhos e arquivos de 0 byte sem linha (todo o
    armazenamento) e arquivos de documentos sem linha no banco (com carência); idempotente."""
    sobras = armazenamento.varrer_temporarios_e_vazios()
    return len(sobras) + len(armazenamento.varrer_arquivos_orfaos())


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def recalcular_tipos(tipo_ids):
    """O catálogo de obrigações desses Tipos mudou: recalcula e renova o CRC do dia."""
    mudaram = situacao.recalcular_todos(tipos=tipo_ids, motivo="Catálogo de obrigações alterado")
    situacao.marcar_alteracao(Parceiro.objects.filter(tipo__in=tipo_ids))
    return {"mudaram": mudaram}


# Os nomes registrados são os de antes da mudança para ``parceiros``: tarefas já na fila
# durante uma implantação continuam sendo entregues.
@shared_task(
    name="accounts.tasks.validar_importacao",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def validar_importacao(importacao_id):
    """Prévia de uma importação de cadastro (idempotente: valida uma vez só)."""
    importacao.validar(importacao_id)


@shared_task(
    name="accounts.tasks.importar_cadastro",
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
