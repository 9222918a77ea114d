"""Primeira emissão do CRC do dia com processos reais (issue #15): gunicorn com a configuração
do projeto (``gunicorn.conf.py``, ``cagec.settings`` sem DEBUG), PostgreSQL do teste atrás de um
proxy TCP que corta o banco, CNPJs distintos.

* Pedidos simultâneos do mesmo CNPJ, em workers diferentes: um certificado só, um arquivo só,
  e todos recebem o mesmo PDF (a restrição única decide; quem perde apaga o seu arquivo).
* O banco cai entre emissões: os pedidos daquele momento falham limpos (5xx) e, com o banco
  de volta, cada CNPJ recebe o seu CRC — as consultas compiladas e preparadas
  (``cagec.lib.compiladas``) voltam a funcionar na conexão nova.
* O banco cai no meio de uma emissão, com o PDF já gravado e o INSERT esperando (um gatilho
  com ``pg_sleep`` segura o INSERT): o pedido falha limpo e o arquivo não fica órfão.
"""

import io
import re
import threading
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection
from pypdf import PdfReader

from declaracoes.models import Certificado
from tests.declaracoes.test_consulta import cadastrar

from .equipamento import esperar, gunicorn_de_producao, trocar_porta

pytestmark = [pytest.mark.servicos, pytest.mark.django_db(transaction=True)]

CODIGO = re.compile(r'crc-[0-9A-Z]+-([0-9A-Z]{16})\.pdf"')


@pytest.fixture
def banco(proxy_tcp, banco_compartilhado):
    d = settings.DATABASES["default"]
    return proxy_tcp(d["HOST"] or "127.0.0.1", int(d["PORT"] or 5432))


@pytest.fixture
def portal(banco, banco_compartilhado, ambiente_do_portal, media_temporaria, tmp_path):
    with gunicorn_de_producao(
        ambiente_do_portal,
        tmp_path,
        workers=3,
        banco_url=trocar_porta(banco_compartilhado, banco.porta),
        extra={"CRC_LIMITE_POR_IP": "100000/m"},
    ) as gunicorn:
        yield gunicorn


def pedir_crc(portal, cnpj):
    return requests.get(f"{portal.url}/consulta/{cnpj}/crc/", timeout=30)


def codigo_do_pdf(resposta):
    assert resposta.status_code == 200, resposta.text[:300]
    assert len(PdfReader(io.BytesIO(resposta.content)).pages) >= 1
    return CODIGO.search(resposta.headers["Content-Disposition"]).group(1)


def arquivos_de_crc():
    pasta = Path(settings.MEDIA_ROOT) / "crc"
    return sorted(str(p.relative_to(settings.MEDIA_ROOT)) for p in pasta.rglob("*.pdf"))


def test_pedidos_simultaneos_do_mesmo_cnpj_deixam_um_certificado_e_um_arquivo(portal):
    parceiro = cadastrar("ASSOCIAÇÃO DOS PEDIDOS SIMULTÂNEOS")
    largada = threading.Barrier(9)
    respostas = []

    def pedir():
        largada.wait(timeout=20)
        respostas.append(pedir_crc(portal, parceiro.cnpj))

    linhas = [threading.Thread(target=pedir) for _ in range(9)]
    for linha in linhas:
        linha.start()
    for linha in linhas:
        linha.join(timeout=50)

    assert len(respostas) == 9
    codigos = {codigo_do_pdf(r) for r in respostas}
    [certificado] = Certificado.objects.filter(parceiro=parceiro)
    assert codigos == {certificado.codigo}
    assert arquivos_de_crc() == [certificado.pdf.name]


def test_banco_cortado_no_meio_das_emissoes_falha_limpo_e_depois_cada_cnpj_recebe_o_seu(
    portal, banco
):
    parceiros = [cadastrar(f"ASSOCIAÇÃO DA QUEDA DO BANCO {n}") for n in range(9)]
    antes, durante, depois = parceiros[:3], parceiros[3:6], parceiros[6:]
    for parceiro in antes:  # conexões abertas e consultas já preparadas nos workers
        codigo_do_pdf(pedir_crc(portal, parceiro.cnpj))

    banco.cortar()
    try:
        falhas = [pedir_crc(portal, p.cnpj).status_code for p in durante]
    finally:
        banco.religar()

    assert all(status >= 500 for status in falhas), falhas
    # Com o banco de volta, quem falhou e quem chega agora recebem o CRC, cada um o seu.
    codigos = {p.pk: codigo_do_pdf(pedir_crc(portal, p.cnpj)) for p in durante + depois}
    emitidos = {c.parceiro_id: c for c in Certificado.objects.all()}
    assert set(emitidos) == {p.pk for p in parceiros}
    assert all(emitidos[pk].codigo == codigo for pk, codigo in codigos.items())
    # nada pela metade: um arquivo para cada certificado e nenhum sem certificado
    assert arquivos_de_crc() == sorted(c.pdf.name for c in emitidos.values())


@pytest.fixture
def insert_lento():
    """Um gatilho que segura 4 s cada INSERT de certificado (o PDF já está no disco)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION crc_insert_lento() RETURNS trigger AS $$"
            " BEGIN PERFORM pg_sleep(4); RETURN NEW; END $$ LANGUAGE plpgsql;"
            " CREATE TRIGGER crc_insert_lento BEFORE INSERT ON declaracoes_certificado"
            " FOR EACH ROW EXECUTE FUNCTION crc_insert_lento();"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER IF EXISTS crc_insert_lento ON declaracoes_certificado;"
            " DROP FUNCTION IF EXISTS crc_insert_lento();"
        )


def test_banco_cortado_com_o_pdf_gravado_e_o_insert_esperando_nao_deixa_arquivo(
    portal, banco, insert_lento
):
    parceiro = cadastrar("ASSOCIAÇÃO DO INSERT INTERROMPIDO")
    respostas = []
    pedido = threading.Thread(target=lambda: respostas.append(pedir_crc(portal, parceiro.cnpj)))
    pedido.start()
    esperar(arquivos_de_crc, timeout=30, descricao="o PDF ser gravado antes do INSERT")
    banco.cortar()
    try:
        pedido.join(timeout=40)
    finally:
        banco.religar()

    assert [r.status_code >= 500 for r in respostas] == [True]
    assert not Certificado.objects.filter(parceiro=parceiro).exists()
    esperar(lambda: not arquivos_de_crc(), timeout=10, descricao="o PDF órfão ser apagado")
