"""Worker com tarefas não confirmadas quando o Redis reinicia (issue #14, item 4).

Observado: o worker caía em 2 de 4 reinícios do Redis com ``AttributeError: 'NoneType'
object has no attribute 'hostname'`` ("Unrecoverable error"). A causa (kombu 5.7.0, a versão
mais nova): ao perder a conexão o consumidor do Celery chama ``connection.collect()``, que
fecha os canais (pools soltos) e solta o transporte (``transport.client = None``); uma tarefa
``acks_late`` que termina nesse instante confirma pelo canal antigo e ``_connparams`` lê
``connection.client.hostname`` de ``None``. O Celery só trata erros de conexão ao confirmar;
o ``AttributeError`` derruba o worker. Detalhes em ``cagec/worker/transporte.py``.

Aqui, contra um ``redis-server`` real: a sequência exata do consumidor (mensagem entregue e
não confirmada, Redis cai, ``collect()``, a confirmação chega, Redis volta) — com o transporte
original o erro observado; com o do projeto um erro de conexão que o Celery registra
("Couldn't ack") e segue. E, de ponta a ponta, um worker real que segura tarefas durante
reinícios do Redis não cai: ``test_fila_convites_redis.py`` (com ``FILA_TRANSPORTE_ORIGINAL=1``
ele reproduz a queda de ponta a ponta).
"""

import logging

import pytest
from kombu import Connection, Exchange, Queue
from kombu.transport import redis as kombu_redis

from cagec.worker import transporte

from .equipamento import esperar

pytestmark = [pytest.mark.servicos, pytest.mark.django_db(transaction=True)]
log = logging.getLogger(__name__)


def _confirmacao_pelo_canal_solto(url, classe, redis):
    """Mensagem entregue e não confirmada; o Redis cai; o consumidor solta a conexão
    (``collect()``: canais fechados, ``transport.client = None``) e os pools do canal ficam
    soltos — o estado em que o worker estava quando a tarefa terminou e confirmou."""
    fila = Queue("fila-teste", Exchange("fila-teste"), "fila-teste")
    with Connection(url, transport=classe) as produtor:
        produtor.Producer().publish(
            {"x": 1}, exchange=fila.exchange, routing_key="fila-teste", declare=[fila]
        )
    conexao = Connection(url, transport=classe)
    canal = conexao.channel()
    mensagem = esperar(lambda: fila(canal).get(no_ack=False), timeout=5, descricao="a entrega")
    redis.parar()
    conexao.collect(socket_timeout=0.1)
    canal._disconnect_pools()
    redis.iniciar()
    # Como o Celery confirma (``Request.acknowledge``): só erros de conexão são tratados.
    mensagem.ack_log_error(log, conexao.connection_errors)


def test_reproducao_transporte_original_do_kombu(redis_descartavel):
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'hostname'"):
        _confirmacao_pelo_canal_solto(
            redis_descartavel.url, kombu_redis.Transport, redis_descartavel
        )


def test_transporte_do_projeto_transforma_em_erro_de_conexao(redis_descartavel, caplog):
    with caplog.at_level(logging.CRITICAL):
        _confirmacao_pelo_canal_solto(
            redis_descartavel.url, transporte.Transport, redis_descartavel
        )
    assert "Couldn't ack" in caplog.text
