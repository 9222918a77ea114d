"""Disco de mídia cheio medido como na tabela da issue #14: gunicorn com a configuração do
projeto (``gunicorn.conf.py``, ``cagec.settings`` sem DEBUG), PostgreSQL e Redis do teste,
``MEDIA_ROOT`` num tmpfs de 4 MB cheio de verdade, pedidos HTTP com chaves distintas (cada
item da checklist uma vez; cada CNPJ uma vez).

Antes (tabela): "generic 500 instead of a form message; truncated and 0-byte orphan files
left behind". Agora: cada envio recebe a mensagem no formulário (200 sem script, 422 com o
script), cada CRC recebe a página 503 com ``Retry-After``, nenhum arquivo fica no disco e,
com espaço de novo, tudo funciona.
"""

import re
from collections import Counter
from datetime import timedelta

import pytest
import requests
from django.conf import settings
from django.test import Client
from django.utils import timezone

from cagec.lib.armazenamento import MENSAGEM
from declaracoes.models import Certificado
from parceiros import selectors, services
from parceiros.models import Documento, Solicitacao
from tests.declaracoes.test_consulta import cadastrar

from . import _arquivos
from .equipamento import gunicorn_de_producao

pytestmark = [pytest.mark.servicos, pytest.mark.django_db(transaction=True)]

KB = 1024
TAMANHO = 200 * KB
TOKEN = "token-da-saude-" + "y" * 20


@pytest.fixture
def disco_pequeno(settings, tmp_path):
    yield from _arquivos.disco_pequeno(settings, tmp_path)


@pytest.fixture
def portal(disco_pequeno, ambiente_do_portal, settings, tmp_path):
    if disco_pequeno.tipo != "tmpfs":
        pytest.skip("o gunicorn em outro processo só enxerga um disco cheio de verdade (tmpfs)")
    with gunicorn_de_producao(
        ambiente_do_portal, tmp_path, workers=2, extra={"SAUDE_TOKEN": TOKEN}
    ) as gunicorn:
        settings.SECRET_KEY = gunicorn.env["DJANGO_SECRET_KEY"]  # a sessão criada aqui vale lá
        yield gunicorn


def _sessao_http(usuario):
    cliente = Client()
    cliente.force_login(usuario)
    http = requests.Session()
    http.cookies.set(
        settings.SESSION_COOKIE_NAME, cliente.cookies[settings.SESSION_COOKIE_NAME].value
    )
    return http


def _campos(obrigacao, csrf):
    hoje = timezone.localdate()
    dados = {"obrigacao": str(obrigacao.pk), "csrfmiddlewaretoken": csrf}
    if obrigacao.pede_data_validade:
        dados[f"o{obrigacao.pk}-data_validade"] = (hoje + timedelta(days=90)).isoformat()
    if obrigacao.pede_data_emissao:
        dados[f"o{obrigacao.pk}-data_emissao"] = (hoje - timedelta(days=3)).isoformat()
    arquivo = {f"o{obrigacao.pk}-arquivo": ("certidao.pdf", b"%PDF-1.4\n" + b"0" * TAMANHO)}
    return dados, arquivo


def test_envios_com_disco_cheio_pelo_gunicorn_dao_mensagem_sem_500_nem_orfao(
    portal, disco_pequeno, rl, parceiro
):
    atualizacao = services.iniciar_atualizacao(parceiro, Solicitacao.Tipo.DOCUMENTOS, ator=rl)
    obrigacoes = list(selectors.obrigacoes_da_solicitacao(atualizacao))[:8]
    url = f"{portal.url}/solicitacoes/{atualizacao.pk}/documentos/"
    http = _sessao_http(rl)
    pagina = http.get(url, timeout=20)
    assert pagina.status_code == 200, pagina.text[:500]
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', pagina.text).group(1)
    disco_pequeno.encher(livre=16 * KB)

    cheio = Counter()
    for i, obrigacao in enumerate(obrigacoes):  # metade sem script, metade com
        dados, arquivo = _campos(obrigacao, csrf)
        extra = {"X-Envio-Documento": "1", "Accept": "application/json"} if i % 2 else {}
        resposta = http.post(url, data=dados, files=arquivo, headers=extra, timeout=30)
        com_mensagem = (
            resposta.json()["erros"][0]["mensagens"] == [MENSAGEM]
            if resposta.status_code == 422
            else "o armazenamento do portal está cheio ou indisponível" in resposta.text
        )
        cheio[(resposta.status_code, com_mensagem)] += 1

    sobras = disco_pequeno.arquivos()
    print(f"\ndisco cheio, {len(obrigacoes)} envios pelo gunicorn: {dict(cheio)}; sobras: {sobras}")
    assert cheio == {(200, True): len(obrigacoes) // 2, (422, True): len(obrigacoes) // 2}
    assert sobras == []  # nenhum truncado, de 0 byte ou temporário
    assert not Documento.objects.exists()

    disco_pequeno.liberar()
    com_espaco = Counter(
        http.post(url, data=d, files=a, allow_redirects=False, timeout=30).status_code
        for d, a in (_campos(o, csrf) for o in obrigacoes)
    )

    assert com_espaco == {302: len(obrigacoes)}, portal.log()[-3000:]
    documentos = Documento.objects.all()
    assert sorted(disco_pequeno.arquivos()) == sorted(d.arquivo.name for d in documentos)
    assert {d.arquivo.size for d in documentos} == {TAMANHO + 9}
    print(f"com espaço: {dict(com_espaco)}")


def test_crc_e_prontidao_com_disco_cheio_pelo_gunicorn(portal, disco_pequeno):
    cnpjs = [cadastrar(f"Entidade Disco {n}").cnpj for n in range(6)]
    prontidao = f"{portal.url}/saude/prontidao/"
    autorizacao = {"Authorization": f"Bearer {TOKEN}"}
    disco_pequeno.encher(livre=0)

    respostas = [requests.get(f"{portal.url}/consulta/{c}/crc/", timeout=30) for c in cnpjs]
    saude_cheio = requests.get(prontidao, headers=autorizacao, timeout=30)

    cheio = Counter((r.status_code, r.headers.get("Retry-After")) for r in respostas)
    print(f"\nCRC com disco cheio pelo gunicorn: {dict(cheio)}; sobras: {disco_pequeno.arquivos()}")
    assert cheio == {(503, str(settings.ARMAZENAMENTO_RETRY_AFTER_SEGUNDOS)): len(cnpjs)}
    assert all("Não foi possível gerar ou guardar o arquivo agora" in r.text for r in respostas)
    assert saude_cheio.status_code == 503
    assert saude_cheio.json()["midia"] == {"estado": "falha", "erro": "ENOSPC"}
    assert disco_pequeno.arquivos() == [] and not Certificado.objects.exists()

    disco_pequeno.liberar()
    depois = [requests.get(f"{portal.url}/consulta/{c}/crc/", timeout=30) for c in cnpjs]
    midia = requests.get(prontidao, headers=autorizacao, timeout=30).json()["midia"]

    assert [r.status_code for r in depois] == [200] * len(cnpjs)
    assert all(r.content.startswith(b"%PDF") for r in depois)
    assert Certificado.objects.count() == len(cnpjs) == len(disco_pequeno.arquivos())
    assert midia["estado"] in ("ok", "atencao") and midia["total_mb"] == 4
