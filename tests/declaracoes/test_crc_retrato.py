"""O retrato da primeira emissão do dia pelo caminho enxuto (issue #15).

``crc.emitir`` lê o Parceiro só com as colunas do retrato e o RL numa subconsulta
(``crc.parceiro_do_retrato``) e os itens em duas consultas de colunas
(``situacao.itens_resumidos``). O retrato — e a chave SHA-256 que decide se o certificado do dia
é reaproveitado — tem de ser idêntico ao montado com os modelos inteiros
(``situacao.calcular`` + ``Parceiro`` completo), em cada situação que o CRC mostra.
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from declaracoes import crc
from declaracoes.models import Certificado
from parceiros import receita, situacao
from parceiros import services as parceiros
from parceiros.models import Parceiro
from tests.declaracoes import test_crc as base

AGORA, HOJE, CNPJ_LIVRE = base.AGORA, base.HOJE, base.CNPJ_LIVRE
aprovar = base.aprovar
# As fixtures do test_crc.py (o relógio parado e a declaração simples são automáticas lá).
relogio = base.relogio
_pdf_da_declaracao_simples = base._pdf_da_declaracao_simples
catalogo, associacao, regular = base.catalogo, base.associacao, base.regular
pdf_instantaneo = base.pdf_instantaneo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]


def retrato_completo(parceiro, dia):
    """O caminho antigo: o Parceiro inteiro, os itens com os modelos e o RL consultado."""
    parceiro = Parceiro.objects.get(pk=parceiro.pk)
    calculada, itens = situacao.calcular(parceiro, dia)
    return crc.retrato_do_parceiro(parceiro, calculada, itens, dia)


def retrato_enxuto(parceiro, dia):
    parceiro = crc.parceiro_do_retrato(parceiro.pk)
    calculada, itens = situacao.calcular_resumido(parceiro, dia)
    return crc.retrato_do_parceiro(parceiro, calculada, itens, dia)


def confere(parceiro, dia=HOJE):
    completo, enxuto = retrato_completo(parceiro, dia), retrato_enxuto(parceiro, dia)
    assert enxuto == completo
    assert crc.chave_do_retrato(enxuto) == crc.chave_do_retrato(completo)
    return enxuto


def test_regular_igual_ao_completo(regular):
    foto = confere(regular)
    assert foto["situacao"] == "regular"
    assert foto["representante"]["mandato_fim"] == "31/12/2028"


def test_irregular_com_vencido_pendente_e_sem_validade_igual_ao_completo(
    associacao, catalogo, rl, analista, relogio
):
    c = catalogo
    aprovar(
        associacao,
        rl,
        analista,
        {
            c.ata: {},
            c.estatuto: {"data_emissao": date(2010, 5, 1)},
            c.certidao: {"data_validade": date(2026, 8, 20)},
        },
    )
    relogio.move_to(AGORA + timedelta(days=15))  # a certidão venceu no dia 20

    foto = confere(associacao, HOJE + timedelta(days=15))

    validades = {i["validade"] for g in foto["grupos"] for i in g["itens"]}
    assert {"Venceu em 20/08/2026", "Sem validade", "Sem documento aprovado"} <= validades
    assert foto["situacao"] == "irregular"


def test_troca_de_rl_mandato_encerrado_e_impedimento_iguais_ao_completo(
    regular, outro_usuario, analista
):
    parceiros.vincular_rl(regular, outro_usuario, cargo="", mandato_inicio=HOJE, mandato_fim=None)
    parceiros.alterar_pela_administracao(
        regular, ator=analista, siafi_bloqueado=True, motivo_impedimento="Convênio 7/2025"
    )

    foto = confere(regular)

    assert foto["representante"] == {"nome": outro_usuario.nome, "cargo": "", "mandato_fim": "—"}
    assert foto["grupos"][0]["itens"][0]["validade"] == "Mandato encerrado"
    assert foto["motivo_impedimento"] == "Convênio 7/2025"


def test_sem_rl_e_catalogo_real_do_municipio_iguais_ao_completo(catalogo, parceiro):
    sem_rl = parceiros.cadastrar_parceiro(receita.consultar_cnpj(CNPJ_LIVRE), catalogo.tipo)
    assert confere(sem_rl)["representante"] is None
    assert len([i for g in confere(parceiro)["grupos"] for i in g["itens"]]) >= 20


@pytest.mark.usefixtures("pdf_instantaneo")
def test_primeira_emissao_le_so_as_colunas_do_retrato_em_poucas_consultas(regular):
    """O caminho de uma primeira emissão: o certificado de hoje (não há), o Parceiro com o RL,
    os documentos, as obrigações, o mesmo retrato já emitido (não há) e a gravação."""
    Certificado.objects.all().delete()
    parceiro = Parceiro.objects.only("pk", "versao_publica").get(pk=regular.pk)

    with CaptureQueriesContext(connection) as consultas:
        certificado = crc.crc_do_dia(parceiro)

    transacao = ("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT")
    sql = [c["sql"] for c in consultas.captured_queries if not c["sql"].startswith(transacao)]
    assert certificado.snapshot == retrato_completo(regular, HOJE)
    assert len(sql) <= 6, "\n".join(sql)
    assert not [s for s in sql if "receita_bruto" in s]  # o JSON da Receita fica no banco
    assert not [s for s in sql if s.startswith('SELECT "parceiros_vinculo"')]  # o RL vem junto
