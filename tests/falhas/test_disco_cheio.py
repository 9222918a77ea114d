"""Disco de mídia cheio de verdade (issue #14, tabela: "media disk full → generic 500 instead
of a form message; truncated and 0-byte orphan files left behind").

``MEDIA_ROOT`` num tmpfs de 4 MB que o teste enche (``tests/falhas/_arquivos.py``): o kernel
responde ``ENOSPC`` no meio da gravação, como num disco de produção cheio. Cada teste
percorre o caminho de quem usa (cliente de teste: formulário, script, PDF público,
prontidão) com o disco cheio e depois com espaço.
"""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from cagec.core.models import RegistroAuditoria
from cagec.lib.armazenamento import MENSAGEM
from declaracoes.models import Certificado
from parceiros import selectors, services
from parceiros.models import Documento, Solicitacao

from . import _arquivos
from .equipamento import RAIZ

pytestmark = [pytest.mark.servicos, pytest.mark.django_db(transaction=True)]

KB = 1024
TAMANHO = 300 * KB  # maior que o espaço que sobra (16 KB), menor que o disco (4 MB)


def pdf_de(tamanho):
    return b"%PDF-1.4\n" + b"0" * (tamanho - 9)


@pytest.fixture
def disco_pequeno(settings, tmp_path):
    yield from _arquivos.disco_pequeno(settings, tmp_path)


@pytest.fixture
def atualizacao(rl, parceiro):
    return services.iniciar_atualizacao(parceiro, Solicitacao.Tipo.DOCUMENTOS, ator=rl)


def _envio(obrigacao, validade):
    return {
        "obrigacao": obrigacao.pk,
        f"o{obrigacao.pk}-arquivo": SimpleUploadedFile("certidao.pdf", pdf_de(TAMANHO)),
        f"o{obrigacao.pk}-data_validade": validade,
    }


def test_sem_o_armazenamento_atomico_o_disco_cheio_deixa_arquivo_truncado(disco_pequeno):
    """Controle: o disco enche de verdade, e o ``FileSystemStorage`` puro deixa o arquivo
    truncado com o nome final (o defeito da tabela)."""
    disco_pequeno.encher(livre=16 * KB)
    antigo = FileSystemStorage(location=disco_pequeno.pasta)

    with pytest.raises(OSError):
        antigo.save("documentos/truncado.pdf", ContentFile(pdf_de(TAMANHO)))

    (truncado,) = disco_pequeno.arquivos()
    assert truncado == "documentos/truncado.pdf"
    assert (disco_pequeno.pasta / truncado).stat().st_size < TAMANHO


def test_envio_com_disco_cheio_mostra_a_mensagem_e_nada_fica_depois_com_espaco_funciona(
    client, rl, atualizacao, disco_pequeno
):
    obrigacao = next(
        o for o in selectors.obrigacoes_da_solicitacao(atualizacao) if o.pede_data_validade
    )
    validade = (timezone.localdate() + timedelta(days=90)).isoformat()
    url = f"/solicitacoes/{atualizacao.pk}/documentos/"
    client.force_login(rl)
    disco_pequeno.encher(livre=16 * KB)

    sem_script = client.post(url, _envio(obrigacao, validade))
    com_script = client.post(
        url, _envio(obrigacao, validade), HTTP_X_ENVIO_DOCUMENTO="1", HTTP_ACCEPT="application/json"
    )

    assert sem_script.status_code == 200
    html = sem_script.content.decode()
    assert "o armazenamento do portal está cheio ou indisponível" in html
    assert f'value="{validade}"' in html
    assert com_script.status_code == 422
    assert com_script.json()["erros"][0]["mensagens"] == [MENSAGEM]
    assert disco_pequeno.arquivos() == []  # nem truncado, nem 0 byte, nem .parcial
    assert not Documento.objects.exists()
    assert not RegistroAuditoria.objects.filter(acao="documento.anexado").exists()

    disco_pequeno.liberar()
    resposta = client.post(url, _envio(obrigacao, validade))

    assert resposta.status_code == 302
    documento = Documento.objects.get()
    assert disco_pequeno.arquivos() == [documento.arquivo.name]
    assert documento.arquivo.size == TAMANHO == documento.tamanho


def test_crc_com_disco_cheio_e_503_amigavel_e_depois_sai_o_pdf(client, parceiro, disco_pequeno):
    url = f"/consulta/{parceiro.cnpj}/crc/"
    disco_pequeno.encher(livre=0)

    resposta = client.get(url)

    assert resposta.status_code == 503
    assert int(resposta["Retry-After"]) > 0
    assert "Não foi possível gerar ou guardar o arquivo agora" in resposta.content.decode()
    assert not Certificado.objects.exists()
    assert disco_pequeno.arquivos() == []

    disco_pequeno.liberar()
    resposta = client.get(url)
    assert resposta.status_code == 200
    assert b"".join(resposta.streaming_content).startswith(b"%PDF")
    certificado = Certificado.objects.get()
    assert disco_pequeno.arquivos() == [certificado.pdf.name]


def test_prontidao_diz_falha_com_o_disco_cheio_atencao_com_pouco_espaco_e_ok_depois(
    client, admin_user, settings, disco_pequeno
):
    if disco_pequeno.tipo != "tmpfs":
        pytest.skip("espaço livre só se mede num disco de verdade (tmpfs)")
    settings.MIDIA_ESPACO_MINIMO_MB = 1
    client.force_login(admin_user)

    disco_pequeno.encher(livre=0)
    cheio = client.get("/saude/prontidao/")
    disco_pequeno.liberar()
    disco_pequeno.encher(livre=512 * KB)
    pouco = client.get("/saude/prontidao/").json()["midia"]
    disco_pequeno.liberar()
    livre = client.get("/saude/prontidao/").json()["midia"]

    assert cheio.status_code == 503
    assert cheio.json()["midia"] == {"estado": "falha", "erro": "ENOSPC"}
    assert pouco["estado"] == "atencao" and pouco["livre_mb"] < 1
    assert livre["estado"] == "ok" and livre["total_mb"] == 4
    assert disco_pequeno.arquivos() == []  # a sonda não fica


def test_upload_com_o_temporario_do_django_no_disco_cheio_da_503_amigavel(
    rl, atualizacao, settings, disco_pequeno
):
    """O upload acima de ``FILE_UPLOAD_MAX_MEMORY_SIZE`` vai antes para
    ``FILE_UPLOAD_TEMP_DIR`` (aqui, no mesmo disco cheio), lido pelo CSRF antes da view."""
    import re

    from django.test import Client

    if disco_pequeno.tipo != "tmpfs":
        pytest.skip("o temporário do upload só enche num disco de verdade (tmpfs)")
    temporarios = disco_pequeno.pasta / "upload-tmp"
    temporarios.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(temporarios)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * KB
    obrigacao = next(
        o for o in selectors.obrigacoes_da_solicitacao(atualizacao) if o.pede_data_validade
    )
    validade = (timezone.localdate() + timedelta(days=90)).isoformat()
    url = f"/solicitacoes/{atualizacao.pk}/documentos/"
    cliente = Client(enforce_csrf_checks=True)
    cliente.force_login(rl)
    csrf = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', cliente.get(url).content.decode()
    ).group(1)
    disco_pequeno.encher(livre=16 * KB)

    resposta = cliente.post(url, {**_envio(obrigacao, validade), "csrfmiddlewaretoken": csrf})

    assert resposta.status_code == 503
    assert "Não foi possível gerar ou guardar o arquivo agora" in resposta.content.decode()
    assert disco_pequeno.arquivos() == [] and not Documento.objects.exists()

    disco_pequeno.liberar()
    resposta = cliente.post(url, {**_envio(obrigacao, validade), "csrfmiddlewaretoken": csrf})
    assert resposta.status_code == 302
    assert disco_pequeno.arquivos() == [Documento.objects.get().arquivo.name]


def test_disco_somente_leitura_da_mensagem_e_prontidao_em_falha_e_volta_sozinho(
    client, admin_user, rl, atualizacao, settings, disco_pequeno
):
    if disco_pequeno.tipo != "tmpfs":
        pytest.skip("remontar somente leitura só com o tmpfs")
    settings.MIDIA_ESPACO_MINIMO_MB = 1
    obrigacao = next(
        o for o in selectors.obrigacoes_da_solicitacao(atualizacao) if o.pede_data_validade
    )
    validade = (timezone.localdate() + timedelta(days=90)).isoformat()
    url = f"/solicitacoes/{atualizacao.pk}/documentos/"
    equipe = Client()
    equipe.force_login(admin_user)
    client.force_login(rl)
    disco_pequeno.remontar("ro")

    resposta = client.post(url, _envio(obrigacao, validade))
    midia = equipe.get("/saude/prontidao/").json()["midia"]

    assert resposta.status_code == 200
    assert "o armazenamento do portal está cheio ou indisponível" in resposta.content.decode()
    assert midia == {"estado": "falha", "erro": "EROFS"}
    assert not Documento.objects.exists()

    disco_pequeno.remontar("rw")
    assert client.post(url, _envio(obrigacao, validade)).status_code == 302
    assert equipe.get("/saude/prontidao/").json()["midia"]["estado"] == "ok"
    assert disco_pequeno.arquivos() == [Documento.objects.get().arquivo.name]


_GRAVADOR = """
import sys, time
import django
from django.conf import settings
settings.configure(MEDIA_ROOT=sys.argv[1], INSTALLED_APPS=[])
django.setup()
from django.core.files import File
from cagec.lib.armazenamento import ArmazenamentoAtomico

class Lento(File):
    def chunks(self, chunk_size=None):
        yield b"%PDF-1.4 " + b"0" * 65536
        print("gravando", flush=True)
        time.sleep(120)
        yield b"fim"

ArmazenamentoAtomico().save("documentos/2026/12/morto.pdf", Lento(None, name="morto.pdf"))
"""


def test_kill_9_no_meio_da_gravacao_deixa_so_o_temporario_e_a_varredura_o_apaga(
    disco_pequeno, tmp_path
):
    import os
    import signal
    import subprocess
    import sys

    import time_machine

    from parceiros.armazenamento import varrer_temporarios_e_vazios

    script = tmp_path / "gravador.py"
    script.write_text(_GRAVADOR)
    processo = subprocess.Popen(  # noqa: S603 — script nosso
        [sys.executable, str(script), str(disco_pequeno.pasta)],
        cwd=RAIZ,
        env={**os.environ, "PYTHONPATH": str(RAIZ)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        linha = processo.stdout.readline()  # bloqueia até o primeiro pedaço ir para o disco
        assert linha.strip() == "gravando", linha + processo.stdout.read()
        os.kill(processo.pid, signal.SIGKILL)
        processo.wait(timeout=20)
    finally:
        if processo.poll() is None:
            processo.kill()

    (sobra,) = disco_pequeno.arquivos()
    assert sobra.startswith("documentos/2026/12/.parcial-") and sobra.endswith(".tmp")
    assert not (disco_pequeno.pasta / "documentos/2026/12/morto.pdf").exists()

    assert varrer_temporarios_e_vazios() == []  # dentro da carência: pode estar gravando
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        assert varrer_temporarios_e_vazios() == [sobra]
        assert varrer_temporarios_e_vazios() == []
    assert disco_pequeno.arquivos() == []
