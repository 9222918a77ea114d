"""``cagec.lib.compiladas``: SQL do ORM compilado uma vez com sentinelas, executado com os
valores do pedido (no PostgreSQL, como comando preparado) e contado pelo ``assertNumQueries``."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cagec.lib import compiladas
from parceiros.models import Documento, Parceiro

pytestmark = pytest.mark.django_db

SENTINELA = -123_456_789
DIA = date(1901, 1, 1)


def test_sentinela_que_nao_virou_parametro_e_recusada():
    consulta = Parceiro.objects.filter(pk=SENTINELA).values_list("cnpj")
    assert compiladas.compilar(consulta, SENTINELA)[1] == (SENTINELA,)
    with pytest.raises(RuntimeError, match="sentinela"):
        compiladas.compilar(consulta, SENTINELA, DIA)


def test_linhas_trocam_as_sentinelas_pelos_valores_do_pedido_e_contam_como_consulta(parceiro):
    anotada = Documento.objects.com_vencimento_efetivo(DIA).filter(parceiro_id=SENTINELA)
    with pytest.raises(RuntimeError):  # a anotação fora do SELECT some do SQL, e o dia junto
        compiladas.compilar(anotada.values_list("pk"), SENTINELA, DIA)
    documentos = compiladas.compilar(anotada.values_list("pk", "vigente"), SENTINELA, DIA)
    do_parceiro = compiladas.compilar(
        Parceiro.objects.filter(pk=SENTINELA).values_list("cnpj", "cadin_bloqueado"), SENTINELA
    )

    with CaptureQueriesContext(connection) as consultas:
        [(cnpj, cadin)] = compiladas.linhas(
            do_parceiro, compiladas.trocas({SENTINELA: parceiro.pk})
        )
        outro = compiladas.linhas(do_parceiro, compiladas.trocas({SENTINELA: parceiro.pk + 999}))
        nenhum = compiladas.linhas(
            documentos, compiladas.trocas({SENTINELA: parceiro.pk, DIA: date(2026, 8, 10)})
        )

    assert (cnpj, bool(cadin)) == (parceiro.cnpj, False)
    assert outro == [] and nenhum == []
    assert len(consultas.captured_queries) == 3
    assert str(parceiro.pk) in consultas.captured_queries[0]["sql"]


def test_trocas_de_data_valem_para_a_forma_de_texto_do_sqlite():
    valores = compiladas.trocas({DIA: date(2026, 8, 10)})
    assert valores[(date, DIA)] == date(2026, 8, 10)
    assert valores[(str, "1901-01-01")] == "2026-08-10"
    assert compiladas.data("2026-08-10") == date(2026, 8, 10)
    assert compiladas.data(None) is None
