"""Esgotamento de armazenamento e download seguro (issue #11, itens 7 e 17).

Cota de envio por pessoa, limite de rascunhos abertos, arquivos apagados no cancelamento,
rascunhos parados avisados e cancelados pela rotina noturna, varredura de arquivos órfãos
(com arquivos de verdade num MEDIA_ROOT temporário) e extensão do download pelo tipo.
"""

import io
import os
import re
import threading
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from cagec.core.models import EmailSaida, RegistroAuditoria
from cagec.lib.arquivos import nome_para_download
from parceiros import armazenamento, selectors, services, tasks
from parceiros.armazenamento import LimiteExcedido
from parceiros.models import Documento, Solicitacao, TransicaoSolicitacao
from tests.factories import CNPJ_LIVRE, pdf_pequeno

from .test_solicitacoes import (  # noqa: F401 — _pdf_rapido é fixture autouse
    PNG,
    _pdf_rapido,
    inscricao_em,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]

S = Solicitacao.Status
T = Solicitacao.Tipo
KB = 1024
FUSO = timezone.get_default_timezone()


def arquivo(conteudo=None, nome="certidao.pdf"):
    return SimpleUploadedFile(nome, conteudo if conteudo is not None else pdf_pequeno())


def pdf_de(tamanho):
    """Um "PDF" (pela assinatura) de ``tamanho`` bytes."""
    return b"%PDF-1.4\n" + b"0" * (tamanho - 9)


def obrigacoes(solicitacao):
    return list(selectors.obrigacoes_da_solicitacao(solicitacao))


def anexar(solicitacao, pessoa, obrigacao=None, conteudo=None, nome="certidao.pdf"):
    obrigacao = obrigacao or obrigacoes(solicitacao)[0]
    return services.anexar_documento(
        solicitacao, ator=pessoa, obrigacao=obrigacao, arquivo=arquivo(conteudo, nome)
    )


def arquivos_em(media):
    raiz = Path(media)
    return sorted(p for p in raiz.rglob("*") if p.is_file()) if raiz.exists() else []


def as_(dia, hora=12):
    return datetime.combine(dia, time(hora), FUSO)


@pytest.fixture
def atualizacao(rl, parceiro):
    """Rascunho de atualização de documentos do Município, do RL."""
    return services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=rl)


# --- Cota de envio (item 7) -----------------------------------------------------------------------
def test_cota_por_hora_recusa_o_excedente_sem_gravar_arquivo_e_libera_depois(
    settings, rl, atualizacao, media_temporaria
):
    settings.DOCUMENTOS_POR_HORA = 3
    inicio = as_(timezone.localdate(), 10)
    with time_machine.travel(inicio, tick=False) as viagem:
        for obrigacao in obrigacoes(atualizacao)[:3]:
            anexar(atualizacao, rl, obrigacao)
        gravados = arquivos_em(media_temporaria)
        quarta = obrigacoes(atualizacao)[3]
        viagem.shift(timedelta(minutes=20))

        with pytest.raises(LimiteExcedido) as erro:
            anexar(atualizacao, rl, quarta)

        assert erro.value.messages == [
            "Limite de envio de documentos atingido: até 3 arquivos e 200 MB na última hora. "
            "Você poderá enviar de novo às 11:00. O que você já preencheu continua salvo."
        ]
        assert arquivos_em(media_temporaria) == gravados
        assert atualizacao.documentos.count() == 3

        viagem.shift(timedelta(minutes=41))
        anexar(atualizacao, rl, quarta)
    assert atualizacao.documentos.count() == 4


def test_remover_cancelar_e_reenviar_nao_devolve_a_cota(settings, rl, parceiro, atualizacao):
    settings.DOCUMENTOS_POR_HORA = 2
    documento = anexar(atualizacao, rl)
    services.remover_documento(documento, ator=rl)
    anexar(atualizacao, rl)
    services.cancelar(atualizacao, ator=rl)
    nova = services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=rl)

    with pytest.raises(LimiteExcedido, match="até 2 arquivos"):
        anexar(nova, rl)
    assert not nova.documentos.exists()


def test_cota_de_mb_por_dia_conta_o_tamanho_dos_arquivos(settings, rl, atualizacao):
    settings.DOCUMENTOS_MB_POR_DIA = 1
    primeira, segunda = obrigacoes(atualizacao)[:2]
    with time_machine.travel(as_(timezone.localdate(), 9), tick=False) as viagem:
        anexar(atualizacao, rl, primeira, pdf_de(600 * KB))
        viagem.shift(timedelta(hours=2))
        with pytest.raises(LimiteExcedido) as erro:
            anexar(atualizacao, rl, segunda, pdf_de(600 * KB))
        assert "1 MB nas últimas 24 horas" in erro.value.messages[0]
        assert "Você poderá enviar de novo em " in erro.value.messages[0]
        anexar(atualizacao, rl, segunda, pdf_de(300 * KB))  # ainda cabe


def test_cota_e_de_cada_pessoa(settings, rl, ri, parceiro, atualizacao):
    settings.DOCUMENTOS_POR_HORA = 1
    anexar(atualizacao, rl)
    do_ri = services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=ri)

    anexar(do_ri, ri)

    with pytest.raises(LimiteExcedido):
        anexar(atualizacao, rl, obrigacoes(atualizacao)[1])


def test_envio_acima_da_cota_pela_tela_explica_e_mantem_a_data_digitada(
    settings, client, rl, atualizacao
):
    settings.DOCUMENTOS_POR_HORA = 1
    anexar(atualizacao, rl)
    obrigacao = next(o for o in obrigacoes(atualizacao)[1:] if o.pede_data_validade)
    validade = (timezone.localdate() + timedelta(days=90)).isoformat()
    client.force_login(rl)

    resposta = client.post(
        f"/solicitacoes/{atualizacao.pk}/documentos/",
        {
            "obrigacao": obrigacao.pk,
            f"o{obrigacao.pk}-arquivo": arquivo(),
            f"o{obrigacao.pk}-data_validade": validade,
        },
    )

    assert resposta.status_code == 200
    html = resposta.content.decode()
    assert "Limite de envio de documentos atingido: até 1 arquivos" in html
    assert f'value="{validade}"' in html
    assert atualizacao.documentos.count() == 1


# --- Rascunhos abertos (item 7) -------------------------------------------------------------------
def test_limite_de_rascunhos_abertos_recusa_o_proximo_e_retoma_os_existentes(
    settings, rl, parceiro, monkeypatch
):
    settings.RASCUNHOS_ABERTOS_MAXIMO = 2
    documentos = services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=rl)
    services.iniciar_atualizacao(parceiro, T.DADOS, ator=rl)

    with pytest.raises(LimiteExcedido) as erro:
        services.iniciar_atualizacao(parceiro, T.VINCULACAO_RL, ator=rl)
    assert erro.value.messages == [
        "Você já tem 2 solicitações em rascunho ou devolvidas (o máximo é 2). Conclua ou "
        "cancele uma delas no seu painel antes de começar outra."
    ]
    # nem consulta a Receita para uma inscrição nova
    from parceiros import receita

    monkeypatch.setattr(receita, "consultar_cnpj", pytest.fail)
    with pytest.raises(LimiteExcedido):
        services.iniciar_inscricao(CNPJ_LIVRE, ator=rl)
    assert Solicitacao.objects.filter(solicitante=rl).count() == 2

    assert services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=rl) == documentos
    services.cancelar(documentos, ator=rl)
    assert services.iniciar_atualizacao(parceiro, T.VINCULACAO_RL, ator=rl).tipo == T.VINCULACAO_RL


def test_limite_de_rascunhos_na_tela_de_nova_inscricao_mostra_o_motivo_no_campo(
    settings, client, rl, parceiro
):
    settings.RASCUNHOS_ABERTOS_MAXIMO = 1
    services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=rl)
    client.force_login(rl)

    resposta = client.post("/solicitacoes/nova/", {"cnpj": CNPJ_LIVRE})

    assert resposta.status_code == 200
    html = resposta.content.decode()
    assert "Você já tem 1 solicitações em rascunho ou devolvidas" in html
    assert f'value="{CNPJ_LIVRE}"' in html
    assert Solicitacao.objects.filter(solicitante=rl).count() == 1


# --- Cancelamento apaga os arquivos (item 7) ------------------------------------------------------
def test_cancelar_apaga_os_arquivos_depois_do_commit_e_guarda_as_linhas(
    client, rl, atualizacao, media_temporaria, django_capture_on_commit_callbacks
):
    primeira, segunda = obrigacoes(atualizacao)[:2]
    documentos = [anexar(atualizacao, rl, primeira), anexar(atualizacao, rl, segunda, PNG)]
    guardados = [media_temporaria / d.arquivo.name for d in documentos]
    assert all(p.exists() for p in guardados)

    with django_capture_on_commit_callbacks(execute=False) as depois_do_commit:
        services.cancelar(atualizacao, ator=rl)
    assert all(p.exists() for p in guardados)  # nada some antes do commit
    for callback in depois_do_commit:
        callback()

    assert not any(p.exists() for p in guardados)
    assert arquivos_em(media_temporaria) == []
    linhas = Documento.objects.filter(solicitacao=atualizacao).order_by("pk")
    assert [(d.pk, d.arquivo.name, d.sha256) for d in linhas] == [
        (d.pk, "", d.sha256) for d in documentos
    ]
    assert RegistroAuditoria.objects.filter(
        acao="solicitacao.arquivos_apagados", objeto_id=str(atualizacao.pk), ator=rl
    ).exists()

    client.force_login(rl)
    assert client.get(f"/documentos/{documentos[0].pk}/").status_code == 404
    pagina = client.get(f"/solicitacoes/{atualizacao.pk}/").content.decode()
    assert "(arquivo apagado)" in pagina
    assert f"/documentos/{documentos[0].pk}/" not in pagina


def test_cancelar_devolvida_apaga_os_arquivos_ja_analisados(
    usuario, analista, media_temporaria, django_capture_on_commit_callbacks
):
    devolvida = inscricao_em(S.DEVOLVIDA, usuario, analista)
    assert devolvida.documentos.exists()
    assert arquivos_em(media_temporaria / "documentos")

    with django_capture_on_commit_callbacks(execute=True):
        services.cancelar(devolvida, ator=usuario)

    assert arquivos_em(media_temporaria / "documentos") == []
    assert not devolvida.documentos.exclude(arquivo="").exists()


# --- Rascunhos parados (item 7) -------------------------------------------------------------------
def rotina(dia):
    """A rotina noturna de ``dia``, como o beat a dispara (00:05): quantos avisos de
    rascunho parado saíram e quantas solicitações ela cancelou."""
    avisos = EmailSaida.objects.filter(evento="rascunho_parado").count()
    canceladas = Solicitacao.objects.filter(status=S.CANCELADA).count()
    with time_machine.travel(as_(dia, 0).replace(minute=5), tick=False):
        tasks.rotina_diaria.apply().get()
    return {
        "avisados": EmailSaida.objects.filter(evento="rascunho_parado").count() - avisos,
        "cancelados": Solicitacao.objects.filter(status=S.CANCELADA).count() - canceladas,
    }


def avisos_e_cancelamentos(pessoa):
    return (
        EmailSaida.objects.filter(evento="rascunho_parado", destinatario=pessoa.email).count(),
        EmailSaida.objects.filter(evento="rascunho_cancelado", destinatario=pessoa.email).count(),
    )


@pytest.fixture
def parado(rl, parceiro):
    """Rascunho com dois anexos, mexido pela última vez em 01/03/2026 às 15h."""
    dia = timezone.localdate().replace(year=2026, month=3, day=1)
    with time_machine.travel(as_(dia, 15), tick=False):
        solicitacao = services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=rl)
        primeira, segunda = obrigacoes(solicitacao)[:2]
        anexar(solicitacao, rl, primeira)
        anexar(solicitacao, rl, segunda, PNG)
    return Solicitacao.objects.get(pk=solicitacao.pk)


def test_rascunho_parado_recebe_um_aviso_uma_vez_e_e_cancelado_30_dias_depois(
    rl, parado, media_temporaria, django_capture_on_commit_callbacks
):
    inicio = timezone.localdate(parado.updated_at)
    guardados = [media_temporaria / d.arquivo.name for d in parado.documentos.all()]

    assert rotina(inicio + timedelta(days=22)) == {"avisados": 0, "cancelados": 0}
    assert rotina(inicio + timedelta(days=23)) == {"avisados": 1, "cancelados": 0}
    assert rotina(inicio + timedelta(days=23)) == {"avisados": 0, "cancelados": 0}
    assert rotina(inicio + timedelta(days=24)) == {"avisados": 0, "cancelados": 0}
    assert avisos_e_cancelamentos(rl) == (1, 0)
    aviso = EmailSaida.objects.get(evento="rascunho_parado")
    assert "será cancelada em 31/03/2026" in aviso.assunto
    assert "31/03/2026" in aviso.corpo_texto and f"/solicitacoes/{parado.pk}/" in aviso.corpo_texto
    assert rotina(inicio + timedelta(days=29)) == {"avisados": 0, "cancelados": 0}
    assert Solicitacao.objects.get(pk=parado.pk).status == S.RASCUNHO

    with django_capture_on_commit_callbacks(execute=True):
        assert rotina(inicio + timedelta(days=30)) == {"avisados": 0, "cancelados": 1}

    cancelada = Solicitacao.objects.get(pk=parado.pk)
    assert cancelada.status == S.CANCELADA
    transicao = TransicaoSolicitacao.objects.filter(solicitacao=cancelada).last()
    assert (transicao.para, transicao.usuario) == (S.CANCELADA, None)
    assert transicao.motivo == "Cancelada automaticamente: 30 dias sem alteração"
    assert not any(p.exists() for p in guardados)
    assert not cancelada.documentos.exclude(arquivo="").exists()
    assert avisos_e_cancelamentos(rl) == (1, 1)
    assert rotina(inicio + timedelta(days=31)) == {"avisados": 0, "cancelados": 0}
    assert avisos_e_cancelamentos(rl) == (1, 1)


def test_rascunho_mexido_depois_do_aviso_nao_e_cancelado_e_recebe_novo_aviso_depois(rl, parado):
    inicio = timezone.localdate(parado.updated_at)
    rotina(inicio + timedelta(days=23))
    with time_machine.travel(as_(inicio + timedelta(days=25), 9), tick=False):
        anexar(parado, rl, obrigacoes(parado)[2])

    assert rotina(inicio + timedelta(days=30)) == {"avisados": 0, "cancelados": 0}
    assert rotina(inicio + timedelta(days=47)) == {"avisados": 0, "cancelados": 0}
    assert rotina(inicio + timedelta(days=48)) == {"avisados": 1, "cancelados": 0}
    assert Solicitacao.objects.get(pk=parado.pk).status == S.RASCUNHO
    assert avisos_e_cancelamentos(rl) == (2, 0)


def test_sem_aviso_anterior_o_cancelamento_espera_7_dias_depois_do_aviso(rl, parado):
    inicio = timezone.localdate(parado.updated_at)

    assert rotina(inicio + timedelta(days=40)) == {"avisados": 1, "cancelados": 0}
    assert (
        "será cancelada em 17/04/2026" in EmailSaida.objects.get(evento="rascunho_parado").assunto
    )
    assert rotina(inicio + timedelta(days=46)) == {"avisados": 0, "cancelados": 0}
    assert rotina(inicio + timedelta(days=47)) == {"avisados": 0, "cancelados": 1}
    assert Solicitacao.objects.get(pk=parado.pk).status == S.CANCELADA


def test_solicitacao_aguardando_assinatura_ou_em_analise_nao_expira(rl, parado):
    services.enviar_para_assinatura(parado, ator=rl)
    inicio = timezone.localdate()

    assert rotina(inicio + timedelta(days=60)) == {"avisados": 0, "cancelados": 0}
    assert Solicitacao.objects.get(pk=parado.pk).status == S.AGUARDANDO_ASSINATURA


# --- Varredura de órfãos, com arquivos de verdade (item 7) ----------------------------------------
def gravar(media, nome, *, horas_atras):
    caminho = Path(media) / nome
    caminho.parent.mkdir(parents=True, exist_ok=True)
    caminho.write_bytes(b"%PDF-1.4 orfao")
    quando = (timezone.now() - timedelta(hours=horas_atras)).timestamp()
    os.utime(caminho, (quando, quando))
    return caminho


def test_varredura_apaga_so_os_orfaos_antigos_das_pastas_de_documentos(
    rl, atualizacao, media_temporaria
):
    documento = anexar(atualizacao, rl)
    referenciado = media_temporaria / documento.arquivo.name
    os.utime(referenciado, (0, 0))  # antigo, mas tem linha: fica
    orfao_antigo = gravar(media_temporaria, "documentos/2026/01/antigo.pdf", horas_atras=30)
    orfao_fundo = gravar(media_temporaria, "documentos/2025/12/sub/velho.png", horas_atras=900)
    em_andamento = gravar(media_temporaria, "documentos/2026/01/recente.pdf", horas_atras=2)
    declaracao = gravar(media_temporaria, "declaracoes/2026/01/d.pdf", horas_atras=900)
    importacao = gravar(media_temporaria, "importacoes/2026/01/i.csv", horas_atras=900)

    apagados = armazenamento.varrer_arquivos_orfaos()

    assert sorted(apagados) == ["documentos/2025/12/sub/velho.png", "documentos/2026/01/antigo.pdf"]
    assert not orfao_antigo.exists() and not orfao_fundo.exists()
    assert referenciado.exists() and em_andamento.exists()
    assert declaracao.exists() and importacao.exists()
    registro = RegistroAuditoria.objects.get(acao="documento.orfaos_apagados")
    assert sorted(registro.depois["arquivos"]) == sorted(apagados)
    assert armazenamento.varrer_arquivos_orfaos() == []


def test_comando_de_varredura_simula_e_depois_apaga(media_temporaria):
    orfao = gravar(media_temporaria, "documentos/2026/02/orfao.pdf", horas_atras=5)
    saida = io.StringIO()

    call_command("varrer_arquivos_orfaos", "--simular", "--carencia-horas", "4", stdout=saida)
    assert "documentos/2026/02/orfao.pdf" in saida.getvalue()
    assert "1 arquivo(s) sem documento seriam apagados em documentos/." in saida.getvalue()
    assert orfao.exists()

    call_command("varrer_arquivos_orfaos", stdout=io.StringIO())  # carência padrão: 24 h
    assert orfao.exists()

    call_command("varrer_arquivos_orfaos", "--carencia-horas", "4", stdout=io.StringIO())
    assert not orfao.exists()


def test_arquivo_de_envio_que_falhou_depois_de_gravado_e_apagado_pela_tarefa(
    rl, atualizacao, media_temporaria, monkeypatch
):
    def falha(*args, **kwargs):
        raise RuntimeError("banco caiu no meio do envio")

    monkeypatch.setattr(services, "registrar", falha)
    with pytest.raises(RuntimeError):
        anexar(atualizacao, rl)
    monkeypatch.undo()
    (perdido,) = arquivos_em(media_temporaria)
    assert not Documento.objects.exists()

    assert tasks.varrer_arquivos_orfaos.apply().get() == 0  # dentro da carência
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        assert tasks.varrer_arquivos_orfaos.apply().get() == 1
    assert not perdido.exists()


def test_varredura_sem_pasta_de_documentos_nao_falha(media_temporaria):
    assert armazenamento.varrer_arquivos_orfaos() == []


# --- Download com a extensão do tipo detectado (item 17) ------------------------------------------
@pytest.mark.parametrize(
    ("conteudo", "nome", "tipo", "baixado"),
    [
        (pdf_pequeno(), "polyglot.html", "application/pdf", "polyglot.pdf"),
        (PNG, "foto.pdf", "image/png", "foto.png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "scan.svg", "image/jpeg", "scan.jpg"),
        (pdf_pequeno(), "sem_extensao", "application/pdf", "sem_extensao.pdf"),
    ],
    ids=["html-que-e-pdf", "pdf-que-e-png", "svg-que-e-jpeg", "sem-extensao"],
)
@pytest.mark.parametrize("quem", ["rl", "analista"])
def test_download_tem_a_extensao_e_o_tipo_detectados_nao_os_do_envio(
    client, request, rl, atualizacao, conteudo, nome, tipo, baixado, quem
):
    documento = anexar(atualizacao, rl, conteudo=conteudo, nome=nome)
    client.force_login(request.getfixturevalue(quem))

    for url, disposicao in (("", "inline"), ("?baixar=1", "attachment")):
        resposta = client.get(f"/documentos/{documento.pk}/{url}")
        assert resposta.status_code == 200
        assert resposta["Content-Type"] == tipo
        assert resposta["Content-Disposition"] == f'{disposicao}; filename="{baixado}"'
        assert resposta["Content-Security-Policy"].startswith("sandbox")
        assert b"".join(resposta.streaming_content) == conteudo


def test_nome_do_download_sem_quebra_de_linha_aspas_ou_caminho(client, rl, atualizacao):
    documento = anexar(atualizacao, rl, nome='..\\..\\a"b\r\nSet-Cookie: x=1\u202ecod.html')
    client.force_login(rl)

    resposta = client.get(f"/documentos/{documento.pk}/?baixar=1")

    cabecalho = resposta["Content-Disposition"]
    assert cabecalho.startswith("attachment; filename=")
    assert "\r" not in cabecalho and "\n" not in cabecalho and "\u202e" not in cabecalho
    assert cabecalho.endswith('.pdf"')
    assert not resposta.has_header("Set-Cookie") or "x=1" not in resposta["Set-Cookie"]


def test_arquivo_trocado_no_armazenamento_sai_como_binario_e_anexo(
    client, rl, atualizacao, media_temporaria
):
    documento = anexar(atualizacao, rl, nome="certidao.pdf")
    (media_temporaria / documento.arquivo.name).write_bytes(b"<html><script>alert(1)</script>")
    client.force_login(rl)

    resposta = client.get(f"/documentos/{documento.pk}/")

    assert resposta["Content-Type"] == "application/octet-stream"
    assert resposta["Content-Disposition"] == 'attachment; filename="certidao.bin"'


@pytest.mark.parametrize(
    ("nome", "extensao", "esperado"),
    [
        ("polyglot.html", ".pdf", "polyglot.pdf"),
        ("relatório final.v2.PDF", ".pdf", "relatório final.v2.pdf"),
        ("C:\\Docs\\ata.docx", ".png", "ata.png"),
        ("../../etc/passwd", ".pdf", "passwd.pdf"),
        (".htaccess", ".pdf", "htaccess.pdf"),
        ("", ".jpg", "documento.jpg"),
        ('a"b\r\n.exe', ".pdf", "ab.pdf"),
        ("x" * 300 + ".pdf", ".pdf", "x" * 150 + ".pdf"),
    ],
)
def test_nome_para_download(nome, extensao, esperado):
    assert nome_para_download(nome, extensao) == esperado


def test_outra_pessoa_nao_baixa_nem_descobre_o_nome(client, rl, atualizacao, outro_rl):
    documento = anexar(atualizacao, rl, nome="polyglot.html")
    client.force_login(outro_rl)

    assert client.get(f"/documentos/{documento.pk}/").status_code == 404


def test_usuario_anonimo_vai_para_o_login(client, rl, atualizacao):
    documento = anexar(atualizacao, rl)

    resposta = client.get(f"/documentos/{documento.pk}/")

    assert resposta.status_code == 302 and re.search(r"/entrar/", resposta["Location"])


@pytest.mark.django_db(transaction=True)
def test_dois_envios_simultaneos_da_mesma_pessoa_nao_passam_juntos_da_cota_no_postgresql(
    settings,
):
    if connection.vendor != "postgresql":
        pytest.skip("concorrência real só no PostgreSQL (o SQLite trava o banco inteiro)")
    from tests.factories import UsuarioFactory, parceiro_com_rl

    settings.DOCUMENTOS_POR_HORA = 1
    pessoa = UsuarioFactory(aceitou_termo=True)
    parceiro = parceiro_com_rl(pessoa)
    # duas solicitações: as travas delas não se cruzam, só a da pessoa serializa
    rascunhos = [
        services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=pessoa),
        services.iniciar_atualizacao(parceiro, T.VINCULACAO_RL, ator=pessoa),
    ]
    largada = threading.Barrier(len(rascunhos))
    resultados = []

    def enviar(solicitacao):
        try:
            largada.wait(timeout=10)
            anexar(solicitacao, pessoa)
            resultados.append("ok")
        except Exception as erro:  # noqa: BLE001 — o teste confere o tipo de falha
            resultados.append(erro)
        finally:
            connection.close()

    threads = [threading.Thread(target=enviar, args=(s,)) for s in rascunhos]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(map(type, resultados), key=str) == sorted([str, LimiteExcedido], key=str)
    assert Documento.objects.filter(enviado_por=pessoa).count() == 1
