"""Disco de mídia cheio ou com erro (issue #14, item 6), pelo caminho de quem usa.

O envio de documento (com e sem o script ``envio.js``), a assinatura (PDF da declaração), o
CRC público, a importação e a varredura de temporários e arquivos de 0 byte. A falha é a do
``fsync`` do temporário (``ENOSPC``), onde um disco cheio de verdade aparece; o disco cheio
de verdade (tmpfs) está em ``tests/falhas/test_disco_cheio.py``.
"""

import errno
import gc
import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from cagec.core.models import RegistroAuditoria
from cagec.lib import armazenamento as lib
from cagec.lib.armazenamento import MENSAGEM, ArmazenamentoAtomico
from declaracoes.models import Certificado, Declaracao
from parceiros import armazenamento, importacao, selectors, services, tasks
from parceiros.models import Documento, ImportacaoCadastro, Solicitacao
from tests.declaracoes.test_assinatura import aguardando_assinatura, cpf_formatado
from tests.factories import SENHA, pdf_pequeno

from .test_solicitacoes import _pdf_rapido  # noqa: F401 — fixture autouse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]

T = Solicitacao.Tipo


class _OsComDiscoCheio:
    def __getattr__(self, nome):
        return getattr(os, nome)

    def fsync(self, fd):
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def disco_cheio(monkeypatch):
    """Liga o disco cheio; devolve a função que desliga (espaço liberado)."""
    monkeypatch.setattr(lib, "os", _OsComDiscoCheio())
    return lambda: monkeypatch.setattr(lib, "os", os)


def arquivos_em(media):
    raiz = Path(media)
    return sorted(str(p.relative_to(raiz)) for p in raiz.rglob("*") if p.is_file())


@pytest.fixture
def atualizacao(rl, parceiro):
    return services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=rl)


def _com_validade(solicitacao):
    obrigacoes = selectors.obrigacoes_da_solicitacao(solicitacao)
    return next(o for o in obrigacoes if o.pede_data_validade)


def _envio(obrigacao, validade):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "obrigacao": obrigacao.pk,
        f"o{obrigacao.pk}-arquivo": SimpleUploadedFile("certidao.pdf", pdf_pequeno()),
        f"o{obrigacao.pk}-data_validade": validade,
    }


# --- Envio de documento ---------------------------------------------------------------------------
def test_envio_com_disco_cheio_mostra_a_mensagem_mantem_a_data_e_nao_deixa_nada(
    client, rl, atualizacao, media_temporaria, disco_cheio
):
    obrigacao = _com_validade(atualizacao)
    validade = (timezone.localdate() + timedelta(days=90)).isoformat()
    client.force_login(rl)
    url = f"/solicitacoes/{atualizacao.pk}/documentos/"

    resposta = client.post(url, _envio(obrigacao, validade))

    assert resposta.status_code == 200
    html = resposta.content.decode()
    assert "o armazenamento do portal está cheio ou indisponível" in html
    assert f'value="{validade}"' in html  # o que a pessoa digitou continua no formulário
    assert not Documento.objects.exists()  # nem linha sem arquivo
    assert not RegistroAuditoria.objects.filter(acao="documento.anexado").exists()
    assert arquivos_em(media_temporaria) == []  # nem truncado, nem 0 byte, nem temporário

    disco_cheio()  # espaço liberado: o mesmo envio funciona
    resposta = client.post(url, _envio(obrigacao, validade))
    assert resposta.status_code == 302
    documento = Documento.objects.get()
    assert arquivos_em(media_temporaria) == [documento.arquivo.name]
    assert documento.arquivo.open("rb").read() == pdf_pequeno()


def test_envio_pelo_script_com_disco_cheio_responde_422_com_a_mensagem_no_campo(
    client, rl, atualizacao, media_temporaria, disco_cheio
):
    obrigacao = _com_validade(atualizacao)
    validade = (timezone.localdate() + timedelta(days=90)).isoformat()
    client.force_login(rl)

    resposta = client.post(
        f"/solicitacoes/{atualizacao.pk}/documentos/",
        _envio(obrigacao, validade),
        HTTP_X_ENVIO_DOCUMENTO="1",
        HTTP_ACCEPT="application/json",
    )

    assert resposta.status_code == 422
    corpo = resposta.json()
    (erro,) = corpo["erros"]
    assert erro["id"] == f"id_o{obrigacao.pk}-arquivo"
    assert erro["mensagens"] == [MENSAGEM]
    assert MENSAGEM in corpo["anuncio"]
    assert not Documento.objects.exists() and arquivos_em(media_temporaria) == []


def test_arquivo_retido_sem_espaco_pede_o_arquivo_de_novo_sem_deixar_nada(
    client, rl, atualizacao, media_temporaria, disco_cheio
):
    obrigacao = _com_validade(atualizacao)
    client.force_login(rl)

    # Validade no passado: só as datas falham, e o portal tentaria guardar o arquivo.
    resposta = client.post(
        f"/solicitacoes/{atualizacao.pk}/documentos/", _envio(obrigacao, "2020-01-01")
    )

    assert resposta.status_code == 200
    assert "o armazenamento do portal está cheio" in resposta.content.decode()
    assert "Arquivo já recebido" not in resposta.content.decode()
    assert arquivos_em(media_temporaria) == []


# --- PDFs gerados ---------------------------------------------------------------------------------
def test_assinatura_com_disco_cheio_nao_assina_e_mostra_a_mensagem_no_formulario(
    client, rl, parceiro, media_temporaria
):
    solicitacao = aguardando_assinatura(rl, parceiro)
    antes = arquivos_em(media_temporaria)
    client.force_login(rl)
    url = f"/solicitacoes/{solicitacao.pk}/assinar/"
    dados = {"cpf": cpf_formatado(rl.cpf), "senha": SENHA}

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(lib, "os", _OsComDiscoCheio())
        resposta = client.post(url, dados)

    assert resposta.status_code == 200
    html = resposta.content.decode()
    assert "o armazenamento do portal está cheio" in html
    assert "A declaração não foi assinada." in html
    assert not Declaracao.objects.exists()
    solicitacao.refresh_from_db()
    assert solicitacao.status == Solicitacao.Status.AGUARDANDO_ASSINATURA
    assert arquivos_em(media_temporaria) == antes

    resposta = client.post(url, dados)  # com espaço, assina
    assert resposta.status_code == 302 and Declaracao.objects.count() == 1


def test_crc_com_disco_cheio_responde_503_amigavel_e_nao_grava_certificado(
    client, parceiro, media_temporaria, disco_cheio
):
    url = f"/consulta/{parceiro.cnpj}/crc/"

    resposta = client.get(url)

    assert resposta.status_code == 503
    assert resposta["Retry-After"].isdigit()
    assert "Não foi possível gerar ou guardar o arquivo agora" in resposta.content.decode()
    assert not Certificado.objects.exists()
    assert arquivos_em(media_temporaria) == []

    disco_cheio()
    resposta = client.get(url)
    assert resposta.status_code == 200 and resposta["Content-Type"] == "application/pdf"
    assert Certificado.objects.count() == 1


# --- Importação ---------------------------------------------------------------------------------
def test_importacao_com_o_segundo_arquivo_sem_espaco_nao_deixa_o_primeiro_orfao(
    media_temporaria, monkeypatch
):
    gravar = ArmazenamentoAtomico._gravar_temporario
    chamadas = []

    def segundo_falha(self, pasta, content):
        chamadas.append(pasta)
        if len(chamadas) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return gravar(self, pasta, content)

    monkeypatch.setattr(ArmazenamentoAtomico, "_gravar_temporario", segundo_falha)

    with pytest.raises(lib.ArmazenamentoIndisponivel):
        importacao.criar_importacao(
            ContentFile(b"cpf;nome\n", name="pessoas.csv"),
            organizacoes=ContentFile(b"cnpj;nome\n", name="organizacoes.csv"),
            agendar=False,
        )

    assert len(chamadas) == 2
    assert not ImportacaoCadastro.objects.exists()
    assert arquivos_em(media_temporaria) == []


# --- Varredura ---------------------------------------------------------------------------------
def _grava(media, nome, conteudo, horas_atras):
    caminho = Path(media) / nome
    caminho.parent.mkdir(parents=True, exist_ok=True)
    caminho.write_bytes(conteudo)
    instante = (timezone.now() - timedelta(hours=horas_atras)).timestamp()
    os.utime(caminho, (instante, instante))
    return caminho


def test_varredura_apaga_temporarios_velhos_e_vazios_sem_linha_e_e_idempotente(
    rl, atualizacao, media_temporaria
):
    documento = services.anexar_documento(
        atualizacao,
        ator=rl,
        obrigacao=selectors.obrigacoes_da_solicitacao(atualizacao)[0],
        arquivo=ContentFile(pdf_pequeno(), name="a.pdf"),
    )
    vazio_com_linha = Path(media_temporaria) / documento.arquivo.name
    vazio_com_linha.write_bytes(b"")  # registro antigo estragado: a linha aponta para ele
    os.utime(vazio_com_linha, (0, 0))
    fica = [
        _grava(media_temporaria, "crc/2026/.parcial-0000000000000001.tmp", b"x", 0.5),
        _grava(media_temporaria, "crc/2026/recente.pdf", b"", 2),  # 0 byte na carência
        _grava(media_temporaria, "importacao/cheio.csv", b"a;b", 900),  # não vazio
        vazio_com_linha,
    ]
    vai = [
        _grava(media_temporaria, "documentos/2026/.parcial-00000000000000aa.tmp", b"%PDF", 2),
        _grava(media_temporaria, "crc/2026/.parcial-00000000000000bb.tmp", b"", 30),
        _grava(media_temporaria, "crc/2026/ABC.pdf", b"", 30),
        _grava(media_temporaria, "declaracoes/XYZ.pdf", b"", 48),
        _grava(media_temporaria, "saude/sonda-0123456789ab.txt", b"cagec-saude x", 2),
    ]

    sobras = armazenamento.varrer_temporarios_e_vazios()

    assert sorted(sobras) == sorted(str(p.relative_to(media_temporaria)) for p in vai)
    assert all(p.exists() for p in fica) and not any(p.exists() for p in vai)
    assert armazenamento.varrer_temporarios_e_vazios() == []  # idempotente
    registro = RegistroAuditoria.objects.get(acao="documento.orfaos_apagados")
    assert sorted(registro.depois["arquivos"]) == sorted(sobras)


def test_tarefa_e_comando_de_varredura_incluem_temporarios_e_vazios(media_temporaria):
    temporario = _grava(media_temporaria, "documentos/1/.parcial-00000000000000cc.tmp", b"%", 3)
    vazio = _grava(media_temporaria, "declaracoes/VAZIO.pdf", b"", 30)

    saida = io.StringIO()
    call_command("varrer_arquivos_orfaos", "--simular", stdout=saida)
    assert "declaracoes/VAZIO.pdf" in saida.getvalue() and vazio.exists()

    assert tasks.varrer_arquivos_orfaos.apply().get() == 2
    assert not temporario.exists() and not vazio.exists()
    assert tasks.varrer_arquivos_orfaos.apply().get() == 0


def test_temporario_de_gravacao_em_andamento_nao_e_apagado(media_temporaria):
    temporario = _grava(media_temporaria, "documentos/1/.parcial-00000000000000dd.tmp", b"%", 0)
    with time_machine.travel(timezone.now() + timedelta(minutes=30), tick=False):
        assert armazenamento.varrer_temporarios_e_vazios() == []
    assert temporario.exists()


def test_importacao_pelo_admin_com_disco_cheio_mostra_a_mensagem_e_nao_cria_nada(
    client, media_temporaria, disco_cheio
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tests.factories import UsuarioFactory

    from .test_importacao import conteudo_csv, linha

    client.force_login(UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True))
    url = reverse("admin:parceiros_importacaocadastro_add")
    arquivo = SimpleUploadedFile("carga.csv", conteudo_csv([linha(1)]))

    resposta = client.post(url, {"arquivo": arquivo}, follow=True)

    assert resposta.redirect_chain == [(url, 302)]
    assert MENSAGEM in resposta.content.decode()
    assert not ImportacaoCadastro.objects.exists()
    assert arquivos_em(media_temporaria) == []


def test_upload_com_o_temporario_do_django_sem_espaco_da_503_amigavel_e_nao_500(
    rl, atualizacao, settings, monkeypatch
):
    """Acima de ``FILE_UPLOAD_MAX_MEMORY_SIZE`` o arquivo vai para ``FILE_UPLOAD_TEMP_DIR``
    enquanto o CSRF lê o formulário, antes da view (com o CSRF conferido, como no navegador)."""
    import re

    from django.core.files import uploadhandler
    from django.test import Client

    class TemporarioCheio(uploadhandler.TemporaryFileUploadHandler):
        def receive_data_chunk(self, raw_data, start):
            raise OSError(errno.ENOSPC, "No space left on device")

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    settings.FILE_UPLOAD_HANDLERS = [f"{__name__}.TemporarioCheioParaTeste"]
    monkeypatch.setitem(globals(), "TemporarioCheioParaTeste", TemporarioCheio)
    obrigacao = _com_validade(atualizacao)
    client = Client(enforce_csrf_checks=True)
    client.force_login(rl)
    url = f"/solicitacoes/{atualizacao.pk}/documentos/"
    pagina = client.get(url).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', pagina).group(1)
    validade = (timezone.localdate() + timedelta(days=90)).isoformat()

    resposta = client.post(url, {**_envio(obrigacao, validade), "csrfmiddlewaretoken": csrf})

    assert resposta.status_code == 503
    assert "Não foi possível gerar ou guardar o arquivo agora" in resposta.content.decode()
    assert not Documento.objects.exists()

    pelo_script = client.post(
        url,
        {**_envio(obrigacao, validade), "csrfmiddlewaretoken": csrf},
        HTTP_X_ENVIO_DOCUMENTO="1",
        HTTP_ACCEPT="application/json",
    )
    assert pelo_script.status_code == 503
    assert pelo_script.json() == {"erro": MENSAGEM, "anuncio": MENSAGEM}


def test_importacao_com_disco_cheio_no_fim_mantem_o_csv_de_erros_da_previa(
    media_temporaria, monkeypatch, django_capture_on_commit_callbacks
):
    from .test_importacao import conteudo_csv, linha

    carga = ContentFile(conteudo_csv([linha(1), linha(2, cpf="12")]), name="carga.csv")
    with django_capture_on_commit_callbacks(execute=True):
        feita = importacao.importar_arquivo(carga)
    previa = feita.arquivo_erros.name
    assert feita.status == ImportacaoCadastro.Status.PRONTA and previa
    with django_capture_on_commit_callbacks(execute=True):
        importacao.confirmar(feita, agendar=False)

    monkeypatch.setattr(lib, "os", _OsComDiscoCheio())
    with pytest.raises(lib.ArmazenamentoIndisponivel):
        importacao.executar(feita.pk)
    monkeypatch.setattr(lib, "os", os)

    feita.refresh_from_db()
    assert feita.arquivo_erros.name == previa  # a linha aponta para um arquivo que existe
    assert (Path(media_temporaria) / previa).exists()
    assert not any(lib.eh_temporario(n) for n in arquivos_em(media_temporaria))

    with django_capture_on_commit_callbacks(execute=True):
        importacao.executar(feita.pk)  # com espaço, termina; o CSV da prévia sai depois
    feita.refresh_from_db()
    assert feita.status == ImportacaoCadastro.Status.CONCLUIDA
    assert arquivos_em(media_temporaria) == sorted([feita.arquivo.name, feita.arquivo_erros.name])


# A planilha (openpyxl, só escrita) abandonada no meio reclama ao ser coletada: é esperado.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_exportacao_publica_com_o_tmp_cheio_da_503_amigavel(client, parceiro, monkeypatch):
    """A exportação monta a planilha num ``tempfile`` (``/tmp``), fora do armazenamento:
    ``ENOSPC`` de qualquer lugar vira a página 503, não o 500 genérico."""
    from declaracoes import exportacao

    class TmpCheio:
        def TemporaryFile(self, *args, **kwargs):  # noqa: N802 — o nome do tempfile
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(exportacao, "tempfile", TmpCheio())

    resposta = client.get("/consulta/exportar.xlsx", {"nome": parceiro.razao_social[:10]})

    assert resposta.status_code == 503
    assert "Não foi possível gerar ou guardar o arquivo agora" in resposta.content.decode()
    gc.collect()  # a reclamação da planilha fica neste teste, não no próximo
