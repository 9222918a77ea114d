"""MROSC, CADIN-MG, SIAFI-MG e "Possui impedimento": as mesmas palavras em toda parte.

A pasta digital mostrava "Situação MROSC —" onde o CRC do mesmo Parceiro dizia "Irregular
(1 de 1 itens MROSC...)": o produto (§4) pede a situação *dos itens MROSC*, que o CRC
calculava; a pasta só lia o texto opcional do Estado. Agora um só cálculo
(``situacao.campos_do_estado``) alimenta a pasta, o CRC (retrato e PDF), a consulta (página
e exportações) e a verificação. Para cada estado, as quatro superfícies dizem o mesmo.
"""

import io
from datetime import date
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cagec.lib import pdf
from declaracoes import consulta, crc
from declaracoes import services as declaracoes
from parceiros import analise, situacao
from parceiros import services as parceiros
from parceiros.models import Genero, GrupoObrigacao, Obrigacao, Parceiro, Solicitacao, TipoParceiro
from tests.factories import UsuarioFactory, parceiro_com_rl, pdf_pequeno

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]
R = Obrigacao.Regra


@pytest.fixture(autouse=True)
def _pdf_da_declaracao_simples(monkeypatch):
    """Aprovar exige a declaração assinada; o PDF dela não importa aqui."""
    monkeypatch.setattr(
        declaracoes,
        "pdf",
        SimpleNamespace(
            renderizar_pdf=lambda *a, **k: pdf_pequeno("Declaração"), sha256=pdf.sha256
        ),
    )


def tipo_de_teste(*, com_mrosc):
    tipo = TipoParceiro.objects.create(
        nome=f"Tipo do vocabulário ({com_mrosc})", genero=Genero.objects.order_by("nome").first()
    )
    grupo = GrupoObrigacao.objects.create(nome=f"Grupo do vocabulário ({com_mrosc})", ordem=1)
    obrigacoes = [("Estatuto social (vocabulário)", False)]
    if com_mrosc:
        obrigacoes.append(("Relevância pública (vocabulário)", True))
    for ordem, (nome, mrosc) in enumerate(obrigacoes, 1):
        o = Obrigacao.objects.create(
            grupo=grupo, ordem=ordem, nome=f"{nome} {com_mrosc}", regra_validade=R.SEM_VALIDADE
        )
        o.mrosc = mrosc
        o.save()
        o.tipos.add(tipo)
    return tipo


def aprovar_tudo(parceiro, rl, analista):
    pedido = parceiros.iniciar_atualizacao(parceiro, Solicitacao.Tipo.DOCUMENTOS, ator=rl)
    for obrigacao in parceiro.tipo.obrigacoes.all():
        parceiros.anexar_documento(
            pedido,
            ator=rl,
            obrigacao=obrigacao,
            arquivo=SimpleUploadedFile("doc.pdf", pdf_pequeno(obrigacao.nome)),
            data_emissao=date(2020, 1, 1),
        )
    parceiros.enviar_para_assinatura(pedido, ator=rl)
    declaracoes.assinar(pedido, ator=rl, ip="200.10.20.30")  # a assinatura encaminha
    pedido.refresh_from_db()
    analise.decidir(pedido, ator=analista, decisao=Solicitacao.Status.APROVADA)


def montar(estado, analista):
    rl = UsuarioFactory(aceitou_termo=True)
    tipo = tipo_de_teste(com_mrosc=estado != "nao_se_aplica")
    parceiro = parceiro_com_rl(rl, tipo=tipo)
    if estado == "regular":
        aprovar_tudo(parceiro, rl, analista)
    if estado == "bloqueado":
        parceiros.alterar_pela_administracao(
            parceiro,
            ator=None,
            situacao_mrosc="Regular conforme a Secretaria de Governo",
            cadin_bloqueado=True,
            siafi_bloqueado=True,
            motivo_impedimento="Prestação de contas do convênio 123/2024 em atraso",
        )
    return Parceiro.objects.get(pk=parceiro.pk), rl


ESPERADO = {
    "irregular": {
        "situacao_mrosc": "Irregular (1 de 1 itens MROSC sem documento vigente)",
        "cadin": "Não",
        "siafi": "Normal",
        "impedimento": "Não",
    },
    "regular": {
        "situacao_mrosc": "Regular (todos os itens MROSC vigentes)",
        "cadin": "Não",
        "siafi": "Normal",
        "impedimento": "Não",
    },
    "nao_se_aplica": {
        "situacao_mrosc": "Não se aplica",
        "cadin": "Não",
        "siafi": "Normal",
        "impedimento": "Não",
    },
    "bloqueado": {
        "situacao_mrosc": "Regular conforme a Secretaria de Governo",
        "cadin": "Sim (bloqueado)",
        "siafi": "Bloqueado",
        "impedimento": "Sim",
        "motivo": "Prestação de contas do convênio 123/2024 em atraso",
    },
}


def _contem_par(html, rotulo, valor):
    inicio = html.index(f">{rotulo}</dt>")
    trecho = html[inicio : inicio + 200]
    return f">{valor}</dd>" in trecho


def _texto_do_pdf(dados):
    from pypdf import PdfReader

    paginas = PdfReader(io.BytesIO(dados)).pages
    return " ".join(" ".join(p.extract_text().split()) for p in paginas)


@pytest.mark.parametrize("estado", list(ESPERADO))
def test_pasta_crc_consulta_e_verificacao_dizem_o_mesmo(client, analista, estado):
    parceiro, rl = montar(estado, analista)
    esperado = ESPERADO[estado]
    campos = situacao.campos_do_estado(parceiro, situacao.itens(parceiro))
    assert campos["situacao_mrosc"] == esperado["situacao_mrosc"]
    assert campos["cadin"] == esperado["cadin"]
    assert campos["siafi"] == esperado["siafi"]

    # CRC: o retrato guarda os rótulos e o PDF os imprime.
    certificado = crc.crc_do_dia(parceiro)
    retrato = certificado.snapshot
    assert retrato["situacao_mrosc"] == esperado["situacao_mrosc"]
    assert (retrato["cadin"], retrato["siafi"]) == (esperado["cadin"], esperado["siafi"])
    texto_crc = _texto_do_pdf(certificado.pdf.read())
    assert esperado["situacao_mrosc"] in texto_crc
    assert f"CADIN-MG {esperado['cadin']}" in texto_crc
    assert f"SIAFI-MG {esperado['siafi']}" in texto_crc
    assert f"Possui impedimento {esperado['impedimento']}" in texto_crc

    # Pasta digital (hoje) e verificação (na emissão): o mesmo partial, as mesmas palavras.
    client.force_login(rl)
    pasta = client.get(f"/parceiros/{parceiro.cnpj}/").content.decode()
    client.logout()
    verificacao = client.get(f"/verificar/{certificado.codigo}/").content.decode()
    for html in (pasta, verificacao):
        assert _contem_par(html, "Situação MROSC", esperado["situacao_mrosc"])
        assert _contem_par(html, "CADIN-MG", esperado["cadin"])
        assert _contem_par(html, "SIAFI-MG", esperado["siafi"])
        assert _contem_par(html, "Possui impedimento", esperado["impedimento"])
        if "motivo" in esperado:
            assert _contem_par(html, "Motivo do impedimento", esperado["motivo"])
        else:
            assert "Motivo do impedimento" not in html
    assert 'Situação MROSC</dt><dd class="col-sm-7">—' not in pasta

    # Consulta: a coluna "Possui impedimento" da página e das exportações.
    resposta = client.get("/consulta/", {"cnpj": parceiro.cnpj}).content.decode()
    assert f'data-rotulo="Possui impedimento">{esperado["impedimento"]}</td>' in resposta
    linha = next(consulta.linhas(Parceiro.objects.filter(pk=parceiro.pk), 1))
    assert linha[consulta.COLUNAS.index("Possui impedimento")] == esperado["impedimento"]
    exportado = _texto_do_pdf(
        b"".join(client.get("/consulta/exportar.pdf", {"cnpj": parceiro.cnpj}).streaming_content)
    )
    assert "Possui impedimento" in exportado
