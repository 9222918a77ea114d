"""Tasks recebem ids e só chamam serviços; todas são idempotentes."""

import logging

from celery import shared_task

from . import dados_abertos

log = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True, time_limit=1800)
def gerar_dados_abertos():
    """Beat, toda noite: CSV e JSON Lines de hoje (trocados se já existirem) e apaga os velhos.

    Outra geração em andamento (o comando rodado à mão, um worker duplicado): não faz nada.
    """
    try:
        geracao = dados_abertos.gerar()
    except dados_abertos.GeracaoEmAndamento:
        log.warning("Dados abertos: outra geração em andamento; esta não fez nada.")
        return None
    for arquivo in geracao.arquivos:
        log.info("Dados abertos: %s com %d linhas", arquivo.arquivo.name, arquivo.linhas)
    return {"linhas": [a.linhas for a in geracao.arquivos], "apagados": geracao.apagados}
