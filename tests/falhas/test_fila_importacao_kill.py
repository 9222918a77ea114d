"""Worker inteiro morto (``kill -9``) no meio de uma importação confirmada (issue #14, item 3).

Observado: a importação ficava "importando 5495/20000" até o ``visibility_timeout`` de 1 h,
sem ação de retomar, e o resumo depois da retomada contava só a segunda passada. Aqui
(reduzido: 3 000 linhas em lotes de 300, prazo sem progresso de 4 s, beat a cada 2 s) um
worker real grava alguns lotes e morre com ``kill -9`` (processo principal e pool); outro
worker com beat sobe, o beat acha a importação parada pelo banco (a mensagem continua presa
como não confirmada no Redis) e a retoma; ela conclui sem duplicar ninguém e o resultado
conta as 3 000 pessoas, organizações e vínculos como novos.
"""

import time

import pytest
from django.core.files.base import ContentFile

from accounts.models import Usuario
from parceiros import importacao
from parceiros.models import ImportacaoCadastro, Parceiro, Vinculo
from tests.parceiros.test_importacao import conteudo_csv, linha

from .equipamento import esperar

pytestmark = [
    pytest.mark.servicos,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media_temporaria"),
]

LINHAS = 3000
LOTE = 300
AMBIENTE = {
    "IMPORTACAO_TAMANHO_LOTE": str(LOTE),
    "IMPORTACAO_SEM_PROGRESSO_SEGUNDOS": "4",
    "FILA_INTERVALO_SEGUNDOS": "2",
}


def _situacao(pk):
    return ImportacaoCadastro.objects.values("status", "processadas", "lotes").get(pk=pk)


def test_kill_9_no_meio_da_importacao_o_beat_retoma_e_o_resultado_conta_tudo(
    worker_celery_processo, celery_no_redis, settings
):
    inicio = time.monotonic()
    settings.IMPORTACAO_TAMANHO_LOTE = LOTE
    arquivo = ContentFile(conteudo_csv([linha(n) for n in range(LINHAS)]), name="carga.csv")
    feita = importacao.criar_importacao(arquivo, agendar=False)
    feita = importacao.validar(feita.pk)
    assert feita.status == ImportacaoCadastro.Status.PRONTA

    primeiro = worker_celery_processo(env_extra=AMBIENTE, concorrencia=1).iniciar()
    importacao.confirmar(feita)  # publica a gravação depois do commit, para o worker
    esperar(
        lambda: len(_situacao(feita.pk)["lotes"]) >= 2,
        timeout=30,
        descricao="a gravação dos primeiros lotes",
    )
    primeiro.matar()  # kill -9 no worker inteiro, no meio da gravação
    parada = _situacao(feita.pk)
    assert parada["status"] == ImportacaoCadastro.Status.IMPORTANDO
    assert 0 < parada["processadas"] < LINHAS

    segundo = worker_celery_processo(env_extra=AMBIENTE, concorrencia=2, beat=True).iniciar()
    esperar(
        lambda: _situacao(feita.pk)["status"] == ImportacaoCadastro.Status.CONCLUIDA,
        timeout=40,
        intervalo=0.5,
        descricao="a retomada pelo beat concluir a importação",
    )
    assert segundo.vivo
    feita.refresh_from_db()
    assert feita.retomadas >= 1
    assert len(feita.lotes) == LINHAS // LOTE
    assert feita.resultado["linhas"] == feita.processadas == LINHAS
    for grupo in ("pessoas", "organizacoes", "vinculos"):
        assert feita.resultado[grupo]["novos"] == LINHAS, grupo
        assert feita.resultado[grupo]["inalterados"] == 0, grupo
    assert Usuario.objects.filter(origem=Usuario.Origem.IMPORTACAO).count() == LINHAS
    assert Parceiro.objects.count() == LINHAS
    assert Vinculo.objects.filter(ativo=True, papel=Vinculo.Papel.RL).count() == LINHAS
    assert time.monotonic() - inicio < 60
