"""``/dados-abertos/``: a página pública e os downloads (issue #16).

* A página, anônima e logada: arquivos mais recentes e dos dias anteriores (data e hora,
  tamanho, linhas, SHA-256, links), o dicionário de dados (cada coluna com tipo, descrição e
  exemplos do CSV e do JSON), a licença e como conferir o SHA-256; sem arquivos, o aviso.
* O link no rodapé das páginas públicas.
* Downloads: 200 com o tipo de conteúdo, ``Content-Disposition`` com o nome do dia, ``ETag``
  (o SHA-256), ``Cache-Control`` e o corpo igual ao guardado; ``If-None-Match`` dá 304; dia
  sem arquivo, data inválida e formato desconhecido dão 404; o endereço fixo do mais recente
  redireciona para o do dia.
* Limite por IP nos downloads (429 com a página amigável).
"""

import hashlib
import re
from datetime import date, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client

from cagec.lib import moldura
from declaracoes import dados_abertos_colunas as colunas
from declaracoes.models import ArquivoDadosAbertos

pytestmark = pytest.mark.django_db

BRASILIA = ZoneInfo("America/Sao_Paulo")
HOJE = date(2026, 3, 10)
ONTEM = HOJE - timedelta(days=1)


@pytest.fixture(autouse=True)
def _moldura_nova():
    moldura.esquecer()
    yield
    moldura.esquecer()


def publicar(dia, formato, conteudo):
    """Um arquivo publicado como a geração o deixa (linha + arquivo no armazenamento)."""
    arquivo = ArquivoDadosAbertos(
        dia=dia,
        formato=formato,
        gerado_em=datetime.combine(dia, datetime.min.time(), BRASILIA) + timedelta(hours=1),
        tamanho=len(conteudo),
        linhas=conteudo.count(b"\n"),
        sha256=hashlib.sha256(conteudo).hexdigest(),
    )
    arquivo.arquivo.save(arquivo.nome_para_baixar, ContentFile(conteudo), save=False)
    arquivo.save()
    return arquivo


@pytest.fixture
def publicados(db):
    return {
        (dia, formato): publicar(dia, formato, f"{formato} de {dia}\nlinha\n".encode())
        for dia in (HOJE, ONTEM)
        for formato in ArquivoDadosAbertos.Formato.values
    }


def texto(resposta):
    html = resposta.content.decode()
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# --- Página ---------------------------------------------------------------------------------------
def test_pagina_anonima_mostra_arquivos_sha_e_links(client, publicados):
    resposta = client.get("/dados-abertos/")
    assert resposta.status_code == 200
    html = resposta.content.decode()
    assert '<html lang="pt-BR">' in html and html.count("<h1") == 1
    conteudo = texto(resposta)
    assert "Arquivos mais recentes (10/03/2026)" in conteudo
    assert "Dias anteriores" in conteudo and "09/03/2026" in conteudo
    for (dia, formato), arquivo in publicados.items():
        assert arquivo.sha256 in html
        assert f'href="/dados-abertos/cagec-parceiros-{dia:%Y-%m-%d}.{formato}"' in html
    assert "10/03/2026 01:00" in conteudo
    assert 'href="/dados-abertos/cagec-parceiros.csv"' in html
    assert "max-age=300" in resposta["Cache-Control"]


def test_pagina_tem_dicionario_licenca_e_como_conferir(client, publicados):
    resposta = client.get("/dados-abertos/")
    conteudo = texto(resposta)
    for coluna in colunas.COLUNAS:
        assert coluna.nome in conteudo
        assert coluna.descricao in conteudo
        assert coluna.exemplo_json in conteudo
    assert "Dados publicados sob a licença Creative Commons Atribuição 4.0" in conteudo
    assert "CC BY 4.0" in conteudo
    assert "sha256sum cagec-parceiros-AAAA-MM-DD.csv" in conteudo
    assert "ponto e vírgula" in conteudo
    assert "CPF" in conteudo  # "Nenhum arquivo traz CPF"


def test_pagina_sem_arquivos_avisa(client, db):
    resposta = client.get("/dados-abertos/")
    assert resposta.status_code == 200
    assert "Ainda não há arquivos publicados" in texto(resposta)


def test_pagina_para_quem_entrou(client, usuario, publicados):
    client.force_login(usuario)
    resposta = client.get("/dados-abertos/")
    assert resposta.status_code == 200
    assert publicados[(HOJE, "csv")].sha256 in resposta.content.decode()


def test_rodape_publico_leva_aos_dados_abertos(client, db):
    html = client.get("/consulta/").content.decode()
    assert '<a href="/dados-abertos/">Dados abertos</a>' in html


# --- Downloads ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("formato", "tipo"),
    [("csv", "text/csv; charset=utf-8"), ("jsonl", "application/jsonl; charset=utf-8")],
)
def test_download_com_cabecalhos(client, publicados, formato, tipo):
    arquivo = publicados[(HOJE, formato)]
    resposta = client.get(f"/dados-abertos/cagec-parceiros-2026-03-10.{formato}")
    assert resposta.status_code == 200
    corpo = b"".join(resposta.streaming_content)
    assert hashlib.sha256(corpo).hexdigest() == arquivo.sha256
    assert resposta["Content-Type"] == tipo
    disposicao = f'attachment; filename="cagec-parceiros-2026-03-10.{formato}"'
    assert resposta["Content-Disposition"] == disposicao
    assert resposta["ETag"] == f'"{arquivo.sha256}"'
    assert resposta["Cache-Control"] == "public, max-age=3600"
    assert int(resposta["Content-Length"]) == arquivo.tamanho


def test_if_none_match_da_304(client, publicados):
    arquivo = publicados[(ONTEM, "csv")]
    resposta = client.get(
        "/dados-abertos/cagec-parceiros-2026-03-09.csv", HTTP_IF_NONE_MATCH=f'"{arquivo.sha256}"'
    )
    assert resposta.status_code == 304
    assert resposta["ETag"] == f'"{arquivo.sha256}"'
    outro = client.get("/dados-abertos/cagec-parceiros-2026-03-09.csv", HTTP_IF_NONE_MATCH='"x"')
    assert outro.status_code == 200


@pytest.mark.parametrize(
    "caminho",
    [
        "/dados-abertos/cagec-parceiros-2026-03-08.csv",  # dia sem arquivo
        "/dados-abertos/cagec-parceiros-2026-02-30.csv",  # data que não existe
        "/dados-abertos/cagec-parceiros-2026-03-10.xlsx",  # formato desconhecido
        "/dados-abertos/../settings.py",
    ],
)
def test_arquivo_desconhecido_da_404(client, publicados, caminho):
    assert client.get(caminho).status_code == 404


def test_linha_sem_arquivo_no_armazenamento_da_404(client, publicados):
    arquivo = publicados[(ONTEM, "jsonl")]
    arquivo.arquivo.storage.delete(arquivo.arquivo.name)
    assert client.get("/dados-abertos/cagec-parceiros-2026-03-09.jsonl").status_code == 404


@pytest.mark.parametrize("formato", ["csv", "jsonl"])
def test_endereco_fixo_redireciona_para_o_mais_recente(client, publicados, formato):
    resposta = client.get(f"/dados-abertos/cagec-parceiros.{formato}")
    assert resposta.status_code == 302
    assert resposta["Location"] == f"/dados-abertos/cagec-parceiros-2026-03-10.{formato}"


def test_endereco_fixo_sem_arquivos_da_404(client, db):
    assert client.get("/dados-abertos/cagec-parceiros.csv").status_code == 404


# --- Limite por IP --------------------------------------------------------------------------------
def test_rajada_de_downloads_da_429(publicados):
    quantos, unidade = settings.DADOS_ABERTOS_LIMITE_POR_IP.split("/")
    assert unidade == "m"
    cliente = Client(REMOTE_ADDR="10.30.0.1")
    caminho = "/dados-abertos/cagec-parceiros-2026-03-10.csv"
    with time_machine.travel(datetime(2026, 3, 10, 10, 0, 5, tzinfo=BRASILIA), tick=False):
        for _ in range(int(quantos)):
            assert cliente.get(caminho).status_code == 200
        bloqueada = cliente.get(caminho)
        assert bloqueada.status_code == 429
        assert "Muitas tentativas em pouco tempo" in texto(bloqueada)
        assert Client(REMOTE_ADDR="10.30.0.2").get(caminho).status_code == 200
        assert cliente.get("/dados-abertos/").status_code == 200  # a página tem outro limite
