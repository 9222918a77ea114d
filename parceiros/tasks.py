"""Tasks recebem ids e só chamam serviços; todas são idempotentes."""

from celery import shared_task

from . import avisos, situacao


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def rotina_diaria():
    """Recalcula a situação de todos os Parceiros e envia os avisos de vencimento do dia.

    Rodar de novo no mesmo dia não muda nada nem repete e-mail (ver ``parceiros.avisos``).
    """
    dia = situacao.hoje()
    mudaram = situacao.recalcular_todos(dia)
    avisados = avisos.avisar_vencimentos(dia)
    return {"mudaram": mudaram, "avisos": avisados}


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def recalcular_tipos(tipo_ids):
    """O catálogo de obrigações desses Tipos mudou: recalcula e renova o CRC do dia."""
    from .models import Parceiro

    mudaram = situacao.recalcular_todos(tipos=tipo_ids, motivo="Catálogo de obrigações alterado")
    situacao.marcar_alteracao(Parceiro.objects.filter(tipo__in=tipo_ids))
    return {"mudaram": mudaram}
