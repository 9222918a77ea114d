"""Transporte Redis do kombu que não derruba o worker quando o broker reinicia.

O defeito (kombu 5.7.0 / celery 5.7.0 / redis-py 8.1.0, as versões mais novas): quando a
conexão com o Redis cai, o consumidor fecha a conexão antiga e o kombu solta o transporte
dela (``Connection._do_close_transport``: ``transport.client = None``) e os pools dos canais
(``Channel._disconnect_pools``). Uma tarefa ``acks_late`` que termina depois disso confirma
a mensagem pelo canal antigo: ``QoS.ack`` → ``conn_or_acquire`` → ``_create_client`` →
``_get_pool`` → ``_connparams`` lê ``self.connection.client.hostname`` com ``client`` já
``None``: ``AttributeError: 'NoneType' object has no attribute 'hostname'``. O Celery só
trata erros de conexão ao confirmar (``Message.ack_log_error``); o ``AttributeError`` sobe
até o laço do worker: "Unrecoverable error" e o worker sai. O mesmo caminho aparece ao
reiniciar o Gossip (kombu#582) e ao rejeitar (``reject_on_worker_lost``).

A correção aqui: o canal cujo transporte já foi solto levanta um erro de conexão do
redis-py, que o Celery já sabe tratar ("Couldn't ack", sem derrubar nada). A mensagem
dessa entrega continua não confirmada no Redis (volta depois do ``visibility_timeout``, se
o Redis a guardou) e o trabalho é idempotente e retomado pelo beat a partir do banco.
Configurado em ``settings.CELERY_BROKER_TRANSPORT``; o teste
``tests/falhas/test_fila_broker_reinicio.py`` reproduz o defeito com o transporte original.
"""

from typing import Any

import redis
from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> Any:
        if self.connection.client is None:
            raise redis.exceptions.ConnectionError(
                "Conexão com o broker já encerrada (Redis reiniciado): a confirmação desta "
                "entrega se perdeu; o trabalho volta pela fila ou pelo beat."
            )
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
