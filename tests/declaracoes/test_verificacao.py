"""Verificação de autenticidade (produto.md §5.3), pelo visitante anônimo.

* Pelo código: o CRC (Parceiro, emissão, situação na emissão e hoje, itens, SHA-256, link do
  original) e a declaração assinada (tipo, Parceiro, signatário com CPF mascarado, hora,
  hashes); revogados aparecem como revogados, com o motivo.
* O código é lido sem diferenciar maiúsculas, hífens e espaços: formas não canônicas
  redirecionam para ``/verificar/<CODIGO>/``; o formulário também.
* Desconhecido → 404 "não encontrado" com as mesmas consultas de um encontrado; código mal
  formado → mensagem clara, nunca 500.
* Pelo arquivo: o PDF original confere; um byte alterado, vazio, nada enviado ou mais de
  20 MB recebem a mensagem certa. Nenhuma página mostra CPF. Limite por IP (429).

O relógio fica parado em 10/08/2026, 10h de Brasília (``relogio``).
"""

import hashlib
import re
from datetime import timedelta
from html import unescape
from urllib.parse import quote

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import render
from django.test import Client, RequestFactory

from accounts.models import TermoUso
from cagec.lib import moldura, pdf
from declaracoes import crc, verificacao
from declaracoes import services as declaracoes
from declaracoes.forms import VerificacaoForm
from declaracoes.models import Certificado
from parceiros import situacao
from parceiros.models import Parceiro
from tests.declaracoes.test_assinatura import aguardando_assinatura
from tests.declaracoes.test_crc import AGORA, HOJE, aprovar, catalogo_do_crc, pasta_completa
from tests.factories import CNPJ_ALFANUMERICO, parceiro_com_rl

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]

MB = 1024 * 1024
DESCONHECIDO = "0123456789ABCDEF"
NAO_AUTENTICO = "Este arquivo não confere com nenhum documento emitido pelo CAGEC."


@pytest.fixture(autouse=True)
def relogio(db):
    """Relógio parado em ``AGORA``; o termo de uso v1 recuado para antes dele."""
    TermoUso.objects.filter(publicado_em__gt=AGORA).update(publicado_em=AGORA - timedelta(days=365))
    with time_machine.travel(AGORA, tick=False) as viagem:
        yield viagem


@pytest.fixture
def pdf_instantaneo(monkeypatch):
    """Para os testes que não leem nem enviam o PDF: bytes pequenos, um por código, no lugar
    da renderização do CRC (ReportLab) e da declaração (WeasyPrint)."""
    from declaracoes import crc_pdf

    def renderizar(template, contexto, **kwargs):
        return f"%PDF-1.7\n% {template} {contexto['codigo']}\n".encode()

    monkeypatch.setattr(pdf, "renderizar_pdf", renderizar)
    monkeypatch.setattr(crc_pdf, "renderizar", lambda contexto: renderizar("crc", contexto))


@pytest.fixture
def catalogo(db):
    return catalogo_do_crc()


@pytest.fixture
def associacao(rl, analista, catalogo):
    """Associação (CNPJ alfanumérico) Regular, com a certidão vencendo hoje."""
    parceiro = parceiro_com_rl(rl, cnpj=CNPJ_ALFANUMERICO, tipo=catalogo.tipo, cargo="Presidente")
    parceiro = aprovar(parceiro, rl, analista, pasta_completa(catalogo, validade=HOJE))
    assert parceiro.situacao == Parceiro.Situacao.REGULAR
    return parceiro


@pytest.fixture
def certificado(associacao):
    return crc.crc_do_dia(associacao)


@pytest.fixture
def declaracao(rl, parceiro):
    """Declaração de autenticidade assinada por ``rl`` para o Município, como na assinatura."""
    return declaracoes.assinar(
        aguardando_assinatura(rl, parceiro), ator=rl, ip="200.10.20.30", user_agent="Teste"
    )


def texto(resposta):
    """O texto do conteúdo principal (``<main>``), sem tags e com os espaços normalizados."""
    html = re.search(r"<main\b.*?</main>", resposta.content.decode(), flags=re.S)[0]
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def titulo(resposta):
    return unescape(re.search(r"<title>(.*?)</title>", resposta.content.decode(), re.S)[1])


def cpf_formatado(cpf):
    return f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}"


def sem_cpf(resposta, *pessoas):
    html = resposta.content.decode()
    for pessoa in pessoas:
        assert pessoa.cpf not in html, f"CPF de {pessoa.nome} em {resposta.wsgi_request.path}"
        assert cpf_formatado(pessoa.cpf) not in html
    return True


def original(documento, media):
    return (media / documento.pdf.name).read_bytes()


def enviar(client, conteudo=None, *, nome="documento.pdf", codigo=""):
    """O formulário como o navegador envia: o campo do código vai sempre, mesmo vazio."""
    dados = {"codigo": codigo}
    if conteudo is not None:
        dados["arquivo"] = SimpleUploadedFile(nome, conteudo, "application/pdf")
    return client.post("/verificar/", dados)


# --- CRC pelo código ----------------------------------------------------------------------
@pytest.mark.usefixtures("pdf_instantaneo")
def test_pagina_do_crc_mostra_parceiro_emissao_situacao_itens_sha256_e_o_original(
    client, certificado, associacao, catalogo
):
    resposta = client.get(f"/verificar/{certificado.codigo}/")

    assert resposta.status_code == 200
    pagina = texto(resposta)
    assert "Documento autêntico" in pagina
    assert "Este CRC foi emitido pelo Portal CAGEC e não foi revogado." in pagina
    assert f"Código de verificação {certificado.codigo_formatado}" in pagina
    assert (
        "Parceiro/Convenente ASSOCIACAO DOS MORADORES DO BAIRRO ALVORADA "
        f"CNPJ 12.ABC.345/01DE-35 · cadastro nº {associacao.numero_cadastro}"
    ) in pagina
    assert "Emitido em 10/08/2026 às 10:00:00 (horário de Brasília)" in pagina
    assert "Situação na emissão Regular" in pagina
    assert "Situação hoje Regular" in pagina
    assert "mudou depois da emissão" not in pagina
    assert "Possui impedimento Não CADIN-MG Não SIAFI-MG Normal" in pagina
    assert f"{catalogo.certidao.nome} Vigente Válido até 10/08/2026" in pagina
    assert f"{catalogo.estatuto.nome} Vigente Sem validade" in pagina
    assert f"{catalogo.relevancia.nome} (não obrigatória) (MROSC) Vigente" in pagina
    assert f"SHA-256 do PDF original: {certificado.sha256_pdf}" in pagina
    assert f'href="/verificar/{certificado.codigo}/original.pdf"' in resposta.content.decode()
    assert "private" in resposta["Cache-Control"]


@pytest.mark.usefixtures("pdf_instantaneo")
def test_situacao_na_emissao_e_situacao_de_hoje_aparecem_as_duas_quando_mudam(
    client, certificado, associacao, relogio
):
    relogio.move_to(AGORA + timedelta(days=1))  # a certidão venceu ontem
    assert situacao.recalcular_todos() == 1  # a rotina noturna
    assert Parceiro.objects.get(pk=associacao.pk).situacao == Parceiro.Situacao.IRREGULAR

    resposta = client.get(f"/verificar/{certificado.codigo}/")

    assert resposta.status_code == 200
    pagina = texto(resposta)
    assert "Situação na emissão Regular" in pagina
    assert "Situação hoje Irregular — mudou depois da emissão; emita um CRC atualizado" in pagina
    assert f'href="/consulta/{associacao.cnpj}/crc/"' in resposta.content.decode()
    assert "Documento autêntico" in pagina  # ficar Irregular não é revogar


def test_original_do_crc_e_o_pdf_guardado_byte_a_byte(client, certificado, media_temporaria):
    guardado = original(certificado, media_temporaria)

    resposta = client.get(f"/verificar/{certificado.codigo}/original.pdf")

    assert resposta.status_code == 200
    assert resposta["Content-Type"] == "application/pdf"
    baixado = b"".join(resposta.streaming_content)
    assert baixado == guardado and baixado.startswith(b"%PDF-")
    assert hashlib.sha256(baixado).hexdigest() == certificado.sha256_pdf
    # em minúsculas também; código desconhecido não tem original
    minusculas = client.get(f"/verificar/{certificado.codigo.lower()}/original.pdf")
    assert b"".join(minusculas.streaming_content) == guardado
    assert client.get(f"/verificar/{DESCONHECIDO}/original.pdf").status_code == 404


# --- Leitura do código ----------------------------------------------------------------------
def digitado_de_outros_jeitos(codigo):
    formatado = "-".join(codigo[i : i + 4] for i in range(0, 16, 4))
    return {
        "minusculas": codigo.lower(),
        "com_hifens": formatado,
        "com_hifens_em_minusculas": formatado.lower(),
        "com_espacos": quote(" ".join(codigo[i : i + 4] for i in range(0, 16, 4))),
        "espacos_nas_pontas": quote(f"  {formatado.lower()} "),
    }


@pytest.mark.usefixtures("pdf_instantaneo")
@pytest.mark.parametrize(
    "forma",
    ["minusculas", "com_hifens", "com_hifens_em_minusculas", "com_espacos", "espacos_nas_pontas"],
)
def test_codigo_digitado_de_outro_jeito_redireciona_para_o_endereco_canonico(
    client, certificado, forma
):
    digitado = digitado_de_outros_jeitos(certificado.codigo)[forma]
    resposta = client.get(f"/verificar/{digitado}/")
    assert resposta.status_code == 302
    assert resposta["Location"] == f"/verificar/{certificado.codigo}/"
    assert client.get(resposta["Location"]).status_code == 200


def test_letras_parecidas_com_digitos_sao_lidas_como_os_digitos(client):
    """I e L valem 1, O vale 0 (base32 de Crockford): o código impresso lido à mão."""
    resposta = client.get("/verificar/AbIOcd0lEFi010GH/")
    assert resposta.status_code == 302
    assert resposta["Location"] == "/verificar/AB10CD01EF1010GH/"


@pytest.mark.usefixtures("pdf_instantaneo")
def test_formulario_com_o_codigo_redireciona_para_a_pagina_do_codigo(client, certificado):
    formulario = client.get("/verificar/")
    assert formulario.status_code == 200
    assert 'for="id_codigo"' in formulario.content.decode()
    assert "Código de verificação" in texto(formulario)

    digitado = f"  {certificado.codigo_formatado.lower()} "
    resposta = enviar(client, codigo=digitado)

    assert resposta.status_code == 302
    assert resposta["Location"] == f"/verificar/{certificado.codigo}/"


@pytest.mark.parametrize("digitado", ["12345", "0123-4567-89AB-CDEFG", "UUUU-UUUU-UUUU-UUUU", "!!"])
def test_formulario_com_codigo_mal_formado_explica_o_formato(client, digitado):
    resposta = enviar(client, codigo=digitado)
    assert resposta.status_code == 200
    assert "Código inválido: são 16 letras e números, em quatro grupos de quatro" in texto(resposta)


# --- Declaração assinada ------------------------------------------------------------------
def test_pagina_da_declaracao_mostra_tipo_parceiro_signatario_mascarado_hora_e_hashes(
    client, declaracao, rl
):
    resposta = client.get(f"/verificar/{declaracao.codigo}/")

    assert resposta.status_code == 200
    pagina = texto(resposta)
    assert "Documento autêntico" in pagina
    assert "Declaração de Autenticidade dos Documentos Apresentados" in pagina
    assert f"Código de verificação {declaracao.codigo_formatado}" in pagina
    assert "Parceiro/Convenente MUNICIPIO DE SAO JOSE DAS ALMAS CNPJ 18.000.001/0001-00" in pagina
    mascarado = f"***.{rl.cpf[3:6]}.{rl.cpf[6:9]}-**"
    assert f"Assinada por Rita Representante (CPF {mascarado})" in pagina
    assert "Assinada em 10/08/2026 às 10:00:00 (horário de Brasília) · Usuário e senha" in pagina
    assert f"SHA-256 do texto assinado {declaracao.sha256_texto}" in pagina
    assert f"SHA-256 do PDF original: {declaracao.sha256_pdf}" in pagina
    assert f'href="/verificar/{declaracao.codigo}/original.pdf"' in resposta.content.decode()
    assert sem_cpf(resposta, rl)


def test_original_da_declaracao_e_o_pdf_assinado(client, declaracao, media_temporaria):
    resposta = client.get(f"/verificar/{declaracao.codigo}/original.pdf")
    assert resposta.status_code == 200
    baixado = b"".join(resposta.streaming_content)
    assert baixado == original(declaracao, media_temporaria)
    assert hashlib.sha256(baixado).hexdigest() == declaracao.sha256_pdf


# --- Revogados ----------------------------------------------------------------------------
@pytest.mark.usefixtures("pdf_instantaneo")
def test_crc_revogado_aparece_revogado_com_o_motivo(client, certificado, analista, relogio):
    relogio.move_to(AGORA + timedelta(hours=2, minutes=5))
    crc.revogar(certificado, ator=analista, motivo="Emitido com o endereço desatualizado")

    resposta = client.get(f"/verificar/{certificado.codigo}/")

    assert resposta.status_code == 200
    pagina = texto(resposta)
    assert "Documento revogado" in pagina
    assert "foi revogado em 10/08/2026 às 12:05 e não vale mais" in pagina
    assert "Motivo: Emitido com o endereço desatualizado" in pagina
    assert "Documento autêntico" not in pagina and "não foi revogado" not in pagina
    assert "Certificado de Registro Cadastral (CRC)" in pagina  # o que foi revogado


def test_declaracao_revogada_aparece_revogada_com_o_motivo(client, declaracao, analista, rl):
    declaracoes.revogar(declaracao, ator=analista, motivo="Assinada por engano")

    resposta = client.get(f"/verificar/{declaracao.codigo}/")

    assert resposta.status_code == 200
    pagina = texto(resposta)
    assert "Documento revogado" in pagina
    assert "foi revogado em 10/08/2026 às 10:00 e não vale mais" in pagina
    assert "Motivo: Assinada por engano" in pagina
    assert "Documento autêntico" not in pagina
    assert sem_cpf(resposta, rl)


@pytest.mark.usefixtures("pdf_instantaneo")
def test_titulo_da_pagina_de_documento_revogado_nao_diz_autentico(client, certificado, analista):
    """O ``<title>`` (aba do navegador, primeira coisa lida pelo leitor de tela) acompanha o
    ``<h1>``: "Documento revogado", não "Documento autêntico"."""
    autentico = client.get(f"/verificar/{certificado.codigo}/")
    assert titulo(autentico).startswith("Documento autêntico")
    crc.revogar(certificado, ator=analista, motivo="Emitido por engano")

    revogado = client.get(f"/verificar/{certificado.codigo}/")

    assert "Documento revogado" in texto(revogado)
    assert titulo(revogado).startswith("Documento revogado")


# --- Não encontrado e mal formado -----------------------------------------------------------
def test_codigo_bem_formado_desconhecido_da_404_nao_encontrado(client, declaracao):
    resposta = client.get(f"/verificar/{DESCONHECIDO}/")

    assert resposta.status_code == 404
    pagina = texto(resposta)
    assert "Código não encontrado" in pagina
    # Issue #13: o código volta como se escreve no documento, com os hífens.
    assert "Nenhum CRC ou declaração do Portal CAGEC tem o código 0123-4567-89AB-CDEF" in pagina
    assert "Documento autêntico" not in pagina


@pytest.mark.parametrize(
    "digitado",
    [
        "abc",
        "0123456789ABCDEFG",  # 17 caracteres
        "UUUUUUUUUUUUUUUU",  # U não existe no base32 de Crockford
        "ção-é-ü-日本語",
        "<img src=x onerror=alert(1)>",
        "x" * 2000,
        "%00",
        "..",
    ],
)
def test_codigo_mal_formado_na_url_da_mensagem_clara_e_nunca_500(client, digitado):
    resposta = client.get(f"/verificar/{quote(digitado, safe='')}/")

    assert resposta.status_code == 404
    html = resposta.content.decode()
    assert "não encontrado" in html
    assert "<img src=x" not in html


@pytest.mark.usefixtures("pdf_instantaneo")
def test_encontrado_e_desconhecido_fazem_as_mesmas_consultas(
    client, certificado, declaracao, django_assert_num_queries
):
    """O tempo de resposta não pode dizer se o código existe (nem em qual tabela): uma
    consulta só, nas duas tabelas (issue #15: caminho frio com uma ida ao banco)."""
    for codigo, status in [
        (certificado.codigo, 200),
        (declaracao.codigo, 200),
        (DESCONHECIDO, 404),
    ]:
        with django_assert_num_queries(1):
            assert client.get(f"/verificar/{codigo}/").status_code == status


# --- Pelo arquivo ---------------------------------------------------------------------------
def test_envio_do_pdf_original_do_crc_confirma_a_autenticidade(
    client, certificado, media_temporaria
):
    resposta = enviar(client, original(certificado, media_temporaria), nome="crc.pdf")

    assert resposta.status_code == 200
    pagina = texto(resposta)
    assert "Documento autêntico" in pagina
    assert (
        "O arquivo enviado é idêntico ao original guardado pelo portal (mesmo SHA-256)." in pagina
    )
    assert f"Código de verificação {certificado.codigo_formatado}" in pagina
    assert "Situação na emissão Regular" in pagina


def test_envio_do_pdf_da_declaracao_confirma_a_autenticidade(
    client, declaracao, media_temporaria, rl
):
    resposta = enviar(client, original(declaracao, media_temporaria), nome="declaracao.pdf")

    assert resposta.status_code == 200
    pagina = texto(resposta)
    assert "O arquivo enviado é idêntico ao original" in pagina
    assert "Declaração de Autenticidade dos Documentos Apresentados" in pagina
    assert f"Código de verificação {declaracao.codigo_formatado}" in pagina
    assert sem_cpf(resposta, rl)


def test_pdf_com_um_byte_alterado_nao_e_autentico(client, certificado, media_temporaria):
    dados = bytearray(original(certificado, media_temporaria))
    meio = len(dados) // 2
    dados[meio] = (dados[meio] + 1) % 256

    resposta = enviar(client, bytes(dados), nome="crc.pdf")

    assert resposta.status_code == 200
    pagina = texto(resposta)
    assert NAO_AUTENTICO in pagina
    assert "Documento autêntico" not in pagina
    assert certificado.codigo_formatado not in pagina


def test_arquivo_vazio_recebe_mensagem_clara(client):
    resposta = enviar(client, b"", nome="vazio.pdf")
    assert resposta.status_code == 200
    assert "O arquivo enviado está vazio." in texto(resposta)


def test_sem_codigo_e_sem_arquivo_pede_um_dos_dois(client):
    resposta = enviar(client)
    assert resposta.status_code == 200
    assert "Digite o código de verificação ou envie o arquivo PDF." in texto(resposta)


@pytest.mark.parametrize("csrf", [False, True], ids=["cliente-de-teste", "com-csrf"])
def test_arquivo_de_21_mb_e_recusado_com_a_mensagem_dos_20_mb(csrf):
    """Com CSRF o corpo é lido pelo middleware antes da view (e o handler descarta o arquivo)."""
    cliente = Client(enforce_csrf_checks=csrf)
    dados = {
        "codigo": "",
        "arquivo": SimpleUploadedFile("grande.pdf", b"%PDF-1.4\n" + b"0" * (21 * MB)),
    }
    if csrf:
        pagina = cliente.get("/verificar/").content.decode()
        dados["csrfmiddlewaretoken"] = re.search(
            r'name="csrfmiddlewaretoken" value="([^"]+)"', pagina
        )[1]

    resposta = cliente.post("/verificar/", dados)

    assert resposta.status_code == 200
    assert "O arquivo passa de 20 MB e não foi recebido." in texto(resposta)
    assert "Digite o código de verificação" not in texto(resposta)


# --- CPF e limite por IP --------------------------------------------------------------------
@pytest.mark.usefixtures("pdf_instantaneo")
def test_nenhuma_pagina_publica_da_verificacao_mostra_cpf(
    client, certificado, declaracao, rl, ri, analista, media_temporaria
):
    respostas = [
        client.get("/verificar/"),
        client.get(f"/verificar/{certificado.codigo}/"),
        client.get(f"/verificar/{declaracao.codigo}/"),
        client.get(f"/verificar/{DESCONHECIDO}/"),
        enviar(client, original(declaracao, media_temporaria)),
        enviar(client, codigo="errado"),
    ]
    declaracoes.revogar(declaracao, ator=analista, motivo="Assinada por engano")
    respostas.append(client.get(f"/verificar/{declaracao.codigo}/"))
    for resposta in respostas:
        assert resposta.status_code in (200, 404)
        assert sem_cpf(resposta, rl, ri, analista)


def test_consultas_por_codigo_tem_limite_por_ip(client):
    for _ in range(30):  # VERIFICACAO_LIMITE_POR_IP = 30/m
        assert client.get(f"/verificar/{DESCONHECIDO}/").status_code == 404
    bloqueado = client.get(f"/verificar/{DESCONHECIDO}/")
    assert bloqueado.status_code == 429
    assert "Muitas tentativas em pouco tempo" in texto(bloqueado)
    # outro endereço de rede segue livre; o formulário (GET) não conta
    assert client.get(f"/verificar/{DESCONHECIDO}/", REMOTE_ADDR="10.1.2.3").status_code == 404
    assert client.get("/verificar/").status_code == 200


def test_envios_do_formulario_tem_limite_por_ip(client):
    for _ in range(30):
        assert enviar(client, codigo="errado").status_code == 200
    assert enviar(client, codigo="errado").status_code == 429
    assert client.get("/verificar/").status_code == 200


def test_motivo_da_revogacao_com_cpf_aparece_mascarado(client, declaracao, analista, rl):
    """O motivo é texto livre da equipe; na auditoria o CPF já sai mascarado (``sem_cpf``), mas
    a página pública mostra o motivo como foi digitado."""
    declaracoes.revogar(
        declaracao,
        ator=analista,
        motivo=f"Assinada com o CPF {cpf_formatado(rl.cpf)} de outra pessoa",
    )

    resposta = client.get(f"/verificar/{declaracao.codigo}/")

    assert "Motivo: Assinada com o CPF" in texto(resposta)
    assert sem_cpf(resposta, rl)


# --- Caminho frio (issue #15) ---------------------------------------------------------------
@pytest.mark.usefixtures("pdf_instantaneo")
def test_moldura_pronta_da_o_mesmo_html_que_a_pagina_renderizada_inteira(
    client, certificado, declaracao, analista
):
    """O visitante anônimo recebe o conteúdo encaixado na moldura pronta (sem renderizar
    ``base.html``); tem de ser byte a byte a página inteira renderizada (fora o token CSRF)."""
    moldura.esquecer()
    declaracoes.revogar(declaracao, ator=analista, motivo="Assinada por engano")
    for codigo in (certificado.codigo, declaracao.codigo, DESCONHECIDO):
        rapida = client.get(f"/verificar/{codigo}/")
        pedido = RequestFactory().get(f"/verificar/{codigo}/")
        pedido.user = AnonymousUser()
        pedido.session = SessionStore()
        resultado = verificacao.por_codigo(codigo)
        contexto = {"resultado": resultado, "titulo": verificacao.titulo(resultado)}
        if not resultado.encontrado:
            contexto["codigo_digitado"] = "0123-4567-89AB-CDEF"
            contexto["form"] = VerificacaoForm(initial={"codigo": "0123-4567-89AB-CDEF"})
        inteira = render(pedido, "declaracoes/verificar_resultado.html", contexto)
        assert _sem_csrf(rapida) == _sem_csrf(inteira)


def _sem_csrf(resposta):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", resposta.content.decode())


@pytest.mark.usefixtures("pdf_instantaneo")
def test_crc_emitido_antes_do_resumo_gravado_e_completado_no_primeiro_pedido(client, certificado):
    Certificado.objects.filter(pk=certificado.pk).update(resumo_html="")

    primeira = client.get(f"/verificar/{certificado.codigo}/")

    assert primeira.status_code == 200 and "Obrigações na emissão" in texto(primeira)
    certificado.refresh_from_db()
    assert "Obrigações na emissão" in certificado.resumo_html
    assert texto(client.get(f"/verificar/{certificado.codigo}/")) == texto(primeira)
