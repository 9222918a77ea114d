"""CRC — Certificado de Registro Cadastral (produto.md §5.2).

* O retrato guardado no certificado, campo a campo: número de cadastro, situação, MROSC,
  CADIN-MG/SIAFI-MG/impedimento (alterados pela administração), identificação e endereço,
  RL (nome, cargo, fim do mandato, nunca o CPF) e cada Obrigação do Tipo agrupada, com
  Vigente/Vencido/Pendente e o texto da validade, para Parceiros Regulares e Irregulares.
* O PDF servido em ``/consulta/<cnpj>/crc/``: texto, "Página X de Y", QR lido da imagem.
* Reemissão: mesmo dia e nada mudou → o mesmo certificado (≤ 2 consultas); mudança que
  recalcula a situação, outro dia ou certificado revogado → um novo; situação guardada
  desatualizada (documento venceu, rotina noturna não rodou) → corrigida na emissão.
* 404 para CNPJ desconhecido ou inválido; revogação pelo admin, com motivo e auditoria.

O relógio fica parado em 10/08/2026, 10h de Brasília (``relogio``). A Associação dos testes
(CNPJ alfanumérico) é de um Tipo só deste módulo, com cinco obrigações em dois grupos; os
documentos entram na pasta pelo caminho real (solicitação, assinatura, análise aprovada).
"""

import hashlib
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts import services as contas
from accounts.models import TermoUso
from cagec.core.models import RegistroAuditoria
from cagec.lib import pdf
from declaracoes import crc, crc_pdf
from declaracoes import services as declaracoes
from declaracoes.models import Certificado
from parceiros import analise, receita, situacao
from parceiros import services as parceiros
from parceiros.models import (
    Genero,
    GrupoObrigacao,
    HistoricoSituacao,
    Obrigacao,
    Parceiro,
    Solicitacao,
    TipoParceiro,
)
from tests.factories import (
    CNPJ_ALFANUMERICO,
    CNPJ_LIVRE,
    UsuarioFactory,
    parceiro_com_rl,
    pdf_pequeno,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]

R = Obrigacao.Regra
REGULAR = Parceiro.Situacao.REGULAR
IRREGULAR = Parceiro.Situacao.IRREGULAR
BRASILIA = ZoneInfo("America/Sao_Paulo")
AGORA = datetime(2026, 8, 10, 10, 0, tzinfo=BRASILIA)
HOJE = date(2026, 8, 10)
CROCKFORD = re.compile(r"[0-9A-HJKMNP-TV-Z]{16}")
CNPJ_ALFANUMERICO_FORMATADO = "12.ABC.345/01DE-35"


@pytest.fixture(autouse=True)
def relogio(db):
    """Relógio parado em ``AGORA``; o termo de uso v1 recuado para antes dele."""
    TermoUso.objects.filter(publicado_em__gt=AGORA).update(publicado_em=AGORA - timedelta(days=365))
    with time_machine.travel(AGORA, tick=False) as viagem:
        yield viagem


@pytest.fixture(autouse=True)
def _pdf_da_declaracao_simples(monkeypatch):
    """Aprovar documentos exige a declaração assinada; o PDF dela não importa aqui (é testado
    em test_assinatura.py). Só o módulo da declaração é trocado: o CRC é renderizado de verdade."""
    monkeypatch.setattr(
        declaracoes,
        "pdf",
        SimpleNamespace(
            renderizar_pdf=lambda *a, **k: pdf_pequeno("Declaração"), sha256=pdf.sha256
        ),
    )


@pytest.fixture
def pdf_instantaneo(monkeypatch):
    """Para os testes da regra de reemissão, que não leem o PDF: bytes pequenos, um por
    código, no lugar da renderização. O PDF de verdade tem os seus testes."""

    def renderizar(contexto):
        return f"%PDF-1.7\n% CRC {contexto['codigo']} {contexto['situacao']}\n".encode()

    monkeypatch.setattr(crc_pdf, "renderizar", renderizar)


# --- Construção, sempre pelos serviços --------------------------------------------------------
@dataclass
class Catalogo:
    tipo: TipoParceiro
    ata: Obrigacao  # fim do mandato
    estatuto: Obrigacao  # sem validade
    certidao: Obrigacao  # data informada
    comprovante: Obrigacao  # 90 dias após a emissão
    relevancia: Obrigacao  # MROSC, não obrigatória

    @property
    def todas(self):
        return [self.ata, self.estatuto, self.certidao, self.comprovante, self.relevancia]


def catalogo_do_crc():
    """Um Tipo só destes testes: uma obrigatória de cada regra e um item MROSC opcional."""
    tipo = TipoParceiro.objects.create(
        nome="Tipo dos testes do CRC", genero=Genero.objects.order_by("nome").first()
    )
    credenciamento = GrupoObrigacao.objects.create(nome="Credenciamento (testes do CRC)", ordem=1)
    regularidade = GrupoObrigacao.objects.create(nome="Regularidade (testes do CRC)", ordem=2)

    def obrigacao(grupo, ordem, nome, regra, dias=None, obrigatoria=True, mrosc=False):
        o = Obrigacao.objects.create(
            grupo=grupo,
            ordem=ordem,
            nome=nome,
            regra_validade=regra,
            dias=dias,
            obrigatoria=obrigatoria,
            mrosc=mrosc,
        )
        o.tipos.add(tipo)
        return o

    return Catalogo(
        tipo=tipo,
        ata=obrigacao(credenciamento, 1, "Ata de posse da diretoria (CRC)", R.FIM_MANDATO),
        estatuto=obrigacao(credenciamento, 2, "Estatuto social (CRC)", R.SEM_VALIDADE),
        certidao=obrigacao(regularidade, 1, "Certidão negativa de débitos (CRC)", R.DATA_INFORMADA),
        comprovante=obrigacao(
            regularidade, 2, "Comprovante de endereço da sede (CRC)", R.DIAS_APOS_EMISSAO, 90
        ),
        relevancia=obrigacao(
            regularidade,
            3,
            "Relevância pública (CRC)",
            R.DATA_INFORMADA,
            obrigatoria=False,
            mrosc=True,
        ),
    )


def pasta_completa(catalogo, *, validade=date(2026, 9, 9)):
    """Datas de um documento vigente para cada obrigação; a certidão vale até ``validade``."""
    return {
        catalogo.ata: {},
        catalogo.estatuto: {"data_emissao": date(2010, 5, 1)},
        catalogo.certidao: {"data_validade": validade},
        catalogo.comprovante: {"data_emissao": date(2026, 7, 31)},  # vence em 29/10/2026
        catalogo.relevancia: {"data_validade": date(2026, 10, 9)},
    }


def aprovar(parceiro, rl, analista, documentos):
    """Atualização de documentos do RL, assinada, encaminhada e aprovada pela análise."""
    pedido = parceiros.iniciar_atualizacao(parceiro, Solicitacao.Tipo.DOCUMENTOS, ator=rl)
    for obrigacao, datas in documentos.items():
        parceiros.anexar_documento(
            pedido,
            ator=rl,
            obrigacao=obrigacao,
            arquivo=SimpleUploadedFile(f"doc-{obrigacao.pk}.pdf", pdf_pequeno(obrigacao.nome)),
            **datas,
        )
    parceiros.enviar_para_assinatura(pedido, ator=rl)
    declaracoes.assinar(pedido, ator=rl, ip="200.10.20.30")  # assinar encaminha para análise
    analise.decidir(pedido, ator=analista, decisao=Solicitacao.Status.APROVADA)
    return Parceiro.objects.get(pk=parceiro.pk)


def retrato(parceiro, dia=None):
    """O retrato que o CRC de hoje guardaria (sem renderizar o PDF), pelo caminho da emissão
    (colunas enxutas, RL na subconsulta); test_crc_retrato.py confere que ele é igual ao
    montado com os modelos inteiros."""
    parceiro = crc.parceiro_do_retrato(parceiro.pk)
    dia = dia or situacao.hoje()
    calculada, itens = situacao.calcular_resumido(parceiro, dia)
    return crc.retrato_do_parceiro(parceiro, calculada, itens, dia)


STATUS = {"vigente": "Vigente", "vencido": "Vencido", "pendente": "Pendente"}


def item(obrigacao, status, validade, *, obrigatoria=True, mrosc=False):
    return {
        "obrigacao": obrigacao.nome,
        "obrigatoria": obrigatoria,
        "mrosc": mrosc,
        "status": status,
        "status_display": STATUS[status],
        "validade": validade,
    }


def recarregar(objeto):
    return type(objeto).objects.get(pk=objeto.pk)


def conteudo(resposta):
    return b"".join(resposta.streaming_content)


def texto_do_pdf(dados):
    from pypdf import PdfReader

    paginas = PdfReader(io.BytesIO(dados)).pages
    return " ".join(" ".join(pagina.extract_text().split()) for pagina in paginas)


def qr_da_primeira_pagina(dados):
    import pypdfium2
    import zxingcpp

    documento = pypdfium2.PdfDocument(dados)
    try:
        imagem = documento[0].render(scale=3).to_pil()
    finally:
        documento.close()
    lidos = zxingcpp.read_barcodes(imagem, formats=zxingcpp.BarcodeFormat.QRCode)
    # O QR do cabeçalho (issue #13) e, num CRC de uma página, também o do quadro do fim:
    # todos levam ao mesmo endereço.
    assert lidos, "esperava o QR na primeira página"
    enderecos = {lido.text for lido in lidos}
    assert len(enderecos) == 1, f"QRs diferentes na primeira página: {enderecos}"
    return enderecos.pop()


def cpf_formatado(cpf):
    return f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}"


def sem_cpf(texto, *pessoas):
    """Nenhum CPF das pessoas, inteiro, com ou sem pontuação (nem colado a outros dígitos)."""
    digitos = re.sub(r"[^0-9]", "", texto)
    for pessoa in pessoas:
        assert pessoa.cpf not in digitos, f"CPF de {pessoa.nome} no texto"
        assert cpf_formatado(pessoa.cpf) not in texto
    return True


def crc_url(cnpj):
    return f"/consulta/{cnpj}/crc/"


@pytest.fixture
def catalogo(db):
    return catalogo_do_crc()


@pytest.fixture
def associacao(rl, catalogo):
    """Associação (CNPJ alfanumérico) do Tipo de teste, com ``rl`` presidente; sem documentos."""
    return parceiro_com_rl(rl, cnpj=CNPJ_ALFANUMERICO, tipo=catalogo.tipo, cargo="Presidente")


@pytest.fixture
def regular(associacao, catalogo, rl, analista):
    """A Associação com um documento aprovado e vigente para cada obrigação: Regular."""
    parceiro = aprovar(associacao, rl, analista, pasta_completa(catalogo))
    assert parceiro.situacao == REGULAR
    return parceiro


@pytest.fixture
def admin_client(client, db):
    client.force_login(
        UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True, nome="Ada Admin")
    )
    return client


# --- O retrato ------------------------------------------------------------------------------
def test_retrato_de_parceiro_regular_campo_a_campo(regular, catalogo):
    c = catalogo
    assert isinstance(regular.numero_cadastro, int) and regular.numero_cadastro > 0
    assert retrato(regular) == {
        "formato": 1,
        "dia": "2026-08-10",
        "numero_cadastro": regular.numero_cadastro,
        "cnpj": "12ABC34501DE35",
        "cnpj_formatado": CNPJ_ALFANUMERICO_FORMATADO,
        "razao_social": "ASSOCIACAO DOS MORADORES DO BAIRRO ALVORADA",
        "nome_fantasia": "AMBA",
        "natureza_juridica": "399-9 — Associação Privada",
        "tipo": "Tipo dos testes do CRC",
        "genero": c.tipo.genero.nome,
        "endereco": "RUA DAS ACACIAS, 15 — ALVORADA — SAO JOSE DAS ALMAS/MG — CEP 35400-120",
        "situacao": "regular",
        "situacao_display": "Regular",
        "situacao_mrosc": "Regular (todos os itens MROSC vigentes)",
        "cadin": "Não",
        "siafi": "Normal",
        "motivo_impedimento": "",
        "possui_impedimento": False,
        "representante": {
            "nome": "Rita Representante",
            "cargo": "Presidente",
            "mandato_fim": "31/12/2028",
        },
        "grupos": [
            {
                "nome": "Credenciamento (testes do CRC)",
                "itens": [
                    item(c.ata, "vigente", "Válido até 31/12/2028"),
                    item(c.estatuto, "vigente", "Sem validade"),
                ],
            },
            {
                "nome": "Regularidade (testes do CRC)",
                "itens": [
                    item(c.certidao, "vigente", "Válido até 09/09/2026"),
                    item(c.comprovante, "vigente", "Válido até 29/10/2026"),
                    item(
                        c.relevancia,
                        "vigente",
                        "Válido até 09/10/2026",
                        obrigatoria=False,
                        mrosc=True,
                    ),
                ],
            },
        ],
    }


def test_retrato_de_parceiro_irregular_tem_vigente_vencido_e_pendente_com_a_validade(
    associacao, catalogo, rl, analista, relogio, client
):
    c = catalogo
    aprovar(
        associacao,
        rl,
        analista,
        {
            c.ata: {},
            c.certidao: {"data_validade": date(2026, 8, 20)},
            c.comprovante: {"data_emissao": date(2026, 7, 31)},
        },
    )
    relogio.move_to(AGORA + timedelta(days=15))  # 25/08: a certidão venceu no dia 20

    foto = retrato(associacao)

    assert foto["dia"] == "2026-08-25"
    assert (foto["situacao"], foto["situacao_display"]) == ("irregular", "Irregular")
    assert foto["situacao_mrosc"] == "Irregular (1 de 1 itens MROSC sem documento vigente)"
    assert foto["grupos"] == [
        {
            "nome": "Credenciamento (testes do CRC)",
            "itens": [
                item(c.ata, "vigente", "Válido até 31/12/2028"),
                item(c.estatuto, "pendente", "Sem documento aprovado"),
            ],
        },
        {
            "nome": "Regularidade (testes do CRC)",
            "itens": [
                item(c.certidao, "vencido", "Venceu em 20/08/2026"),
                item(c.comprovante, "vigente", "Válido até 29/10/2026"),
                item(
                    c.relevancia,
                    "pendente",
                    "Sem documento aprovado",
                    obrigatoria=False,
                    mrosc=True,
                ),
            ],
        },
    ]
    # o CRC é emitido também para quem está Irregular, e mostra o mesmo
    resposta = client.get(crc_url(associacao.cnpj))
    assert resposta.status_code == 200
    texto = texto_do_pdf(conteudo(resposta))
    assert "Situação Irregular" in texto
    assert f"{c.certidao.nome} Vencido Venceu em 20/08/2026" in texto
    assert f"{c.estatuto.nome} Pendente Sem documento aprovado" in texto
    assert f"{c.ata.nome} Vigente Válido até 31/12/2028" in texto
    assert "Irregular (1 de 1 itens MROSC sem documento vigente)" in texto


def test_retrato_de_municipio_traz_cada_obrigacao_do_tipo_no_seu_grupo(parceiro):
    """O catálogo real do Município (carga inicial): nenhuma obrigação fica de fora."""
    obrigacoes = Obrigacao.objects.filter(tipos=parceiro.tipo, ativa=True).select_related("grupo")
    esperado = [
        (grupo, [o.nome for o in lista])
        for grupo, lista in groupby(obrigacoes, key=lambda o: o.grupo.nome)
    ]
    assert sum(len(nomes) for _, nomes in esperado) >= 20  # o catálogo foi carregado

    foto = retrato(parceiro)

    assert [(g["nome"], [i["obrigacao"] for i in g["itens"]]) for g in foto["grupos"]] == esperado
    itens = [i for g in foto["grupos"] for i in g["itens"]]
    assert {(i["status"], i["status_display"], i["validade"]) for i in itens} == {
        ("pendente", "Pendente", "Sem documento aprovado")
    }
    assert (foto["situacao"], foto["situacao_mrosc"]) == ("irregular", "Não se aplica")
    assert foto["cnpj_formatado"] == "18.000.001/0001-00"
    assert foto["representante"] == {
        "nome": "Rita Representante",
        "cargo": "Prefeita",
        "mandato_fim": "31/12/2028",
    }
    assert foto["endereco"] == (
        "PRACA DA MATRIZ, 100 — CENTRO — SAO JOSE DAS ALMAS/MG — CEP 35400-000"
    )


def test_retrato_mostra_cadin_siafi_impedimento_e_mrosc_alterados_pela_administracao(
    regular, analista
):
    parceiros.alterar_pela_administracao(
        regular,
        ator=analista,
        cadin_bloqueado=True,
        motivo_impedimento="Inscrito no CADIN-MG por convênio 123/2024",
        situacao_mrosc="Apta a celebrar parcerias (Lei 13.019/2014)",
    )
    foto = retrato(regular)
    assert (foto["cadin"], foto["siafi"], foto["possui_impedimento"]) == (
        "Sim (bloqueado)",
        "Normal",
        True,
    )
    assert foto["motivo_impedimento"] == "Inscrito no CADIN-MG por convênio 123/2024"
    # o texto MROSC mantido pelo Estado vence o resumo dos itens
    assert foto["situacao_mrosc"] == "Apta a celebrar parcerias (Lei 13.019/2014)"
    assert foto["situacao"] == "regular"  # CADIN/SIAFI não mudam a regra de situação

    parceiros.alterar_pela_administracao(
        regular, ator=analista, cadin_bloqueado=False, siafi_bloqueado=True
    )
    foto = retrato(regular)
    assert (foto["cadin"], foto["siafi"], foto["possui_impedimento"]) == ("Não", "Bloqueado", True)

    parceiros.alterar_pela_administracao(regular, ator=analista, siafi_bloqueado=False)
    foto = retrato(regular)
    assert (foto["cadin"], foto["siafi"], foto["possui_impedimento"]) == ("Não", "Normal", False)
    # o motivo antigo continua no cadastro, mas sem impedimento não vai para o CRC
    assert recarregar(regular).motivo_impedimento
    assert foto["motivo_impedimento"] == ""


def test_retrato_depois_da_troca_de_rl_mostra_o_novo_e_o_mandato_encerrado(
    regular, catalogo, outro_usuario
):
    parceiros.vincular_rl(
        regular,
        outro_usuario,
        cargo="Presidenta",
        mandato_inicio=HOJE,
        mandato_fim=date(2030, 6, 30),
    )
    foto = retrato(regular)
    assert foto["representante"] == {
        "nome": outro_usuario.nome,
        "cargo": "Presidenta",
        "mandato_fim": "30/06/2030",
    }
    ata = foto["grupos"][0]["itens"][0]
    assert ata == item(catalogo.ata, "vencido", "Mandato encerrado")
    assert foto["situacao"] == "irregular"


def test_retrato_de_parceiro_sem_representante_legal(catalogo):
    sem_rl = parceiros.cadastrar_parceiro(receita.consultar_cnpj(CNPJ_LIVRE), catalogo.tipo)
    assert retrato(sem_rl)["representante"] is None


@pytest.mark.usefixtures("pdf_instantaneo")
def test_nenhum_cpf_no_retrato_guardado_nem_no_contexto_do_pdf(regular, rl, outro_usuario):
    parceiros.incluir_responsavel(regular, outro_usuario, ator=rl, cargo="Tesoureiro")

    certificado = crc.crc_do_dia(regular)

    guardado = json.dumps(Certificado.objects.get(pk=certificado.pk).snapshot, ensure_ascii=False)
    assert "cpf" not in guardado.lower()
    assert sem_cpf(guardado, rl, outro_usuario)
    contexto = crc.contexto_pdf(certificado.snapshot, certificado.codigo, certificado.emitido_em)
    assert sem_cpf(json.dumps(contexto, default=str, ensure_ascii=False), rl, outro_usuario)


def test_contexto_do_pdf_e_o_retrato_mais_hora_codigo_e_url(regular):
    foto = retrato(regular)

    contexto = crc.contexto_pdf(foto, "0123456789ABCDEF", AGORA)

    assert {k: v for k, v in contexto.items() if k in foto} == foto
    assert contexto["codigo"] == "0123-4567-89AB-CDEF"
    assert contexto["url_verificacao"] == "http://testserver/verificar/0123456789ABCDEF/"
    # horário de Brasília (UTC−3)
    assert contexto["emitido_em"].strftime("%d/%m/%Y %H:%M:%S") == "10/08/2026 10:00:00"
    assert contexto["emitido_em"].utcoffset() == timedelta(hours=-3)
    # o QR é desenhado pelo crc_pdf a partir da url (lido da imagem em test_qr_do_crc_…)
    assert set(contexto) - set(foto) == {"emitido_em", "codigo", "url_verificacao"}


def test_certificado_guarda_retrato_pdf_sha256_e_dia(regular, media_temporaria):
    certificado = recarregar(crc.crc_do_dia(regular))

    assert CROCKFORD.fullmatch(certificado.codigo)
    assert certificado.snapshot == retrato(regular)
    assert certificado.chave == crc.chave_do_retrato(certificado.snapshot)
    assert (certificado.parceiro, certificado.situacao) == (regular, REGULAR)
    assert (certificado.dia, certificado.emitido_em) == (HOJE, AGORA)
    assert certificado.revogado_em is None
    assert certificado.pdf.name == f"crc/2026/08/{certificado.codigo}.pdf"
    dados = (media_temporaria / certificado.pdf.name).read_bytes()
    assert dados.startswith(b"%PDF-")
    assert hashlib.sha256(dados).hexdigest() == certificado.sha256_pdf


# --- O PDF ------------------------------------------------------------------------------------
def test_pdf_do_crc_pelo_cnpj_alfanumerico_sem_pontuacao_ou_em_minusculas(
    client, regular, rl, outro_usuario
):
    parceiros.incluir_responsavel(regular, outro_usuario, ator=rl, cargo="Tesoureiro")

    resposta = client.get(crc_url("12ABC34501DE35"))

    assert resposta.status_code == 200
    assert resposta["Content-Type"] == "application/pdf"
    certificado = Certificado.objects.get()
    assert f"crc-12ABC34501DE35-{certificado.codigo}.pdf" in resposta["Content-Disposition"]
    dados = conteudo(resposta)
    assert dados.startswith(b"%PDF-")
    texto = texto_do_pdf(dados)
    assert "Certificado de Registro Cadastral — CRC" in texto
    assert f"CNPJ {CNPJ_ALFANUMERICO_FORMATADO}" in texto
    assert f"Número de cadastro {regular.numero_cadastro} Situação Regular" in texto
    assert "ASSOCIACAO DOS MORADORES DO BAIRRO ALVORADA" in texto
    assert "Nome Rita Representante Cargo Presidente" in texto
    assert "31/12/2028" in texto
    assert "Emitido em 10/08/2026 às 10:00:00" in texto
    assert f"Código de verificação: {certificado.codigo_formatado}" in texto
    assert "Página 1 de 1" in texto
    assert sem_cpf(texto, rl, outro_usuario)
    # em minúsculas é o mesmo Parceiro e, no mesmo dia, o mesmo certificado
    minusculas = client.get(crc_url("12abc34501de35"))
    assert minusculas.status_code == 200
    assert conteudo(minusculas) == dados
    assert Certificado.objects.count() == 1


def test_pdf_do_crc_pelo_cnpj_formatado(client, regular):
    """O CNPJ como se escreve (com a barra) também deve servir: ``_parceiro_publico`` tira a
    pontuação, mas a rota ``<str:cnpj>`` não casa com a barra de "0001"."""
    resposta = client.get(crc_url(CNPJ_ALFANUMERICO_FORMATADO))
    assert resposta.status_code == 200
    assert conteudo(resposta).startswith(b"%PDF-")


def test_qr_do_crc_leva_a_pagina_de_verificacao_do_codigo(client, regular):
    dados = conteudo(client.get(crc_url(regular.cnpj)))
    codigo = Certificado.objects.get().codigo
    assert qr_da_primeira_pagina(dados) == f"{settings.PORTAL_URL_BASE}/verificar/{codigo}/"


def test_crc_de_parceiro_irregular_com_muitas_obrigacoes_tem_todas_as_paginas(client, parceiro, rl):
    resposta = client.get(crc_url("18000001000100"))

    assert resposta.status_code == 200
    texto = texto_do_pdf(conteudo(resposta))
    assert "CNPJ 18.000.001/0001-00" in texto
    assert "Situação Irregular" in texto
    assert "Página 1 de 2" in texto and "Página 2 de 2" in texto
    for obrigacao in Obrigacao.objects.filter(tipos=parceiro.tipo, ativa=True):
        assert obrigacao.nome in texto
    assert Certificado.objects.get().codigo_formatado in texto
    assert sem_cpf(texto, rl)


# --- Reemissão --------------------------------------------------------------------------------
def test_segundo_pedido_no_mesmo_dia_sem_mudanca_devolve_o_mesmo_certificado(
    client, regular, django_assert_max_num_queries
):
    primeira = client.get(crc_url(regular.cnpj))
    segunda = client.get(crc_url(regular.cnpj))

    assert primeira["Content-Disposition"] == segunda["Content-Disposition"]
    assert conteudo(primeira) == conteudo(segunda)
    certificado = Certificado.objects.get()
    with django_assert_max_num_queries(2):
        mesmo = crc.crc_do_dia(Parceiro.objects.get(pk=regular.pk))
    assert mesmo.pk == certificado.pk
    assert Certificado.objects.count() == 1


@pytest.mark.usefixtures("pdf_instantaneo")
def test_documento_aprovado_depois_da_emissao_gera_outro_certificado(
    associacao, catalogo, rl, analista
):
    antes = crc.crc_do_dia(associacao)
    assert antes.situacao == IRREGULAR

    aprovar(associacao, rl, analista, pasta_completa(catalogo))
    depois = crc.crc_do_dia(recarregar(associacao))

    assert depois.pk != antes.pk and depois.codigo != antes.codigo
    assert (depois.situacao, depois.snapshot["situacao_display"]) == (REGULAR, "Regular")
    assert recarregar(antes).situacao == IRREGULAR  # o anterior segue como foi emitido
    assert Certificado.objects.count() == 2


@pytest.mark.usefixtures("pdf_instantaneo")
def test_alteracao_pela_administracao_gera_outro_certificado(regular, analista):
    antes = crc.crc_do_dia(regular)

    parceiros.alterar_pela_administracao(regular, ator=analista, cadin_bloqueado=True)
    depois = crc.crc_do_dia(recarregar(regular))

    assert depois.pk != antes.pk
    assert depois.snapshot["cadin"] == "Sim (bloqueado)"
    assert recarregar(antes).snapshot["cadin"] == "Não"


@pytest.mark.usefixtures("pdf_instantaneo")
def test_alteracao_que_nao_aparece_no_crc_devolve_o_mesmo_certificado_e_o_atalho_volta(
    regular, analista, django_assert_max_num_queries
):
    antes = crc.crc_do_dia(regular)
    regular = parceiros.alterar_pela_administracao(
        regular, ator=analista, site="https://amba.org.br"
    )  # recalcula (sobe a versão), mas o site não está no CRC
    assert regular.versao_publica > antes.versao

    assert crc.crc_do_dia(regular).pk == antes.pk
    assert Certificado.objects.count() == 1
    with django_assert_max_num_queries(2):
        assert crc.crc_do_dia(recarregar(regular)).pk == antes.pk


@pytest.mark.usefixtures("pdf_instantaneo")
def test_no_dia_seguinte_sai_um_certificado_novo(regular, relogio):
    ontem = crc.crc_do_dia(regular)
    relogio.move_to(AGORA + timedelta(days=1))

    hoje = crc.crc_do_dia(recarregar(regular))

    assert hoje.pk != ontem.pk
    assert (ontem.dia, hoje.dia) == (HOJE, HOJE + timedelta(days=1))
    assert hoje.snapshot["dia"] == "2026-08-11"
    assert recarregar(ontem).revogado_em is None


@pytest.mark.usefixtures("pdf_instantaneo")
def test_certificado_revogado_nao_e_reaproveitado(regular, analista):
    revogado = crc.crc_do_dia(regular)
    assert crc.revogar(revogado, ator=analista, motivo="Emitido durante manutenção") == 1
    assert crc.revogar(revogado, ator=analista, motivo="De novo") == 0  # já estava

    novo = crc.crc_do_dia(recarregar(regular))

    assert novo.pk != revogado.pk and novo.revogado_em is None
    assert novo.chave == revogado.chave  # mesmo retrato, mas o revogado não vale mais
    revogado = recarregar(revogado)
    assert revogado.motivo_revogacao == "Emitido durante manutenção"
    assert revogado.revogado_por == analista
    assert crc.crc_do_dia(recarregar(regular)).pk == novo.pk


@pytest.mark.usefixtures("pdf_instantaneo")
def test_revogar_sem_motivo_e_recusado(regular, analista):
    certificado = crc.crc_do_dia(regular)
    with pytest.raises(ValueError, match="motivo"):
        crc.revogar(certificado, ator=analista, motivo="   ")
    assert recarregar(certificado).revogado_em is None
    assert not RegistroAuditoria.objects.filter(acao="certificado.revogado").exists()


def test_situacao_guardada_desatualizada_e_corrigida_na_emissao(
    client, associacao, catalogo, rl, analista, relogio
):
    """A certidão venceu à meia-noite e a rotina noturna não rodou: o CRC diz Irregular e o
    cadastro passa a dizer o mesmo."""
    parceiro = aprovar(associacao, rl, analista, pasta_completa(catalogo, validade=HOJE))
    assert parceiro.situacao == REGULAR
    relogio.move_to(datetime(2026, 8, 11, 0, 0, 1, tzinfo=BRASILIA))
    assert recarregar(parceiro).situacao == REGULAR  # ninguém recalculou

    resposta = client.get(crc_url(parceiro.cnpj))

    assert resposta.status_code == 200
    certificado = Certificado.objects.get()
    assert certificado.situacao == IRREGULAR
    certidao = certificado.snapshot["grupos"][1]["itens"][0]
    assert certidao == item(catalogo.certidao, "vencido", "Venceu em 10/08/2026")
    assert "Situação Irregular" in texto_do_pdf(conteudo(resposta))
    parceiro = recarregar(parceiro)
    assert parceiro.situacao == IRREGULAR
    mudanca = HistoricoSituacao.objects.filter(parceiro=parceiro).order_by("-pk").first()
    assert (mudanca.de, mudanca.para, mudanca.motivo) == (REGULAR, IRREGULAR, "Emissão do CRC")
    assert certificado.versao == parceiro.versao_publica  # o próximo pedido é o atalho
    assert client.get(crc_url(parceiro.cnpj))["Content-Disposition"].endswith(
        f'{certificado.codigo}.pdf"'
    )


@pytest.mark.usefixtures("pdf_instantaneo")
def test_rl_que_muda_o_proprio_nome_aparece_no_crc_do_mesmo_dia(regular, rl):
    """O nome do RL está no CRC; mudar o nome em Minha conta não recalcula o Parceiro, então
    o atalho (mesma ``versao_publica``) devolve o certificado com o nome antigo."""
    antes = crc.crc_do_dia(regular)
    assert antes.snapshot["representante"]["nome"] == "Rita Representante"

    contas.atualizar_dados(rl, nome="Rita Representante Souza", telefone=rl.telefone)
    assert retrato(regular)["representante"]["nome"] == "Rita Representante Souza"

    depois = crc.crc_do_dia(recarregar(regular))
    assert depois.snapshot["representante"]["nome"] == "Rita Representante Souza"


@pytest.mark.usefixtures("pdf_instantaneo")
def test_nova_obrigacao_no_catalogo_aparece_no_crc_do_mesmo_dia(
    admin_client, regular, catalogo, django_capture_on_commit_callbacks
):
    """A equipe inclui, pelo admin, uma obrigação obrigatória no Tipo: quem não a tem fica
    Irregular. O CRC pedido depois disso, no mesmo dia, não pode continuar dizendo Regular."""
    antes = crc.crc_do_dia(regular)
    assert antes.situacao == REGULAR
    with django_capture_on_commit_callbacks(execute=True):  # o recálculo vem depois do commit
        resposta = admin_client.post(
            "/admin/parceiros/obrigacao/add/",
            {
                "grupo": catalogo.certidao.grupo_id,
                "nome": "Certidão do TCE-MG (CRC)",
                "descricao": "",
                "regra_validade": R.DATA_INFORMADA,
                "dias": "",
                "obrigatoria": "on",
                "tipos": [catalogo.tipo.pk],
                "ativa": "on",
                "ordem": 9,
            },
        )
    assert resposta.status_code == 302, resposta.content.decode()[:2000]
    assert retrato(regular)["situacao"] == "irregular"

    depois = crc.crc_do_dia(recarregar(regular))

    assert depois.situacao == IRREGULAR
    nomes = [i["obrigacao"] for g in depois.snapshot["grupos"] for i in g["itens"]]
    assert "Certidão do TCE-MG (CRC)" in nomes


# --- CNPJ desconhecido ou inválido ------------------------------------------------------------
@pytest.mark.parametrize(
    "cnpj",
    [
        CNPJ_LIVRE,  # válido, ativo na Receita, mas fora do CAGEC
        "18000001000101",  # dígito verificador errado
        "123",
        "12ABC34501DE3",
        "1" * 40,
        "não-é-cnpj",
    ],
)
def test_crc_de_cnpj_desconhecido_ou_invalido_da_404(client, parceiro, cnpj):
    resposta = client.get(crc_url(cnpj))
    assert resposta.status_code == 404
    assert not Certificado.objects.exists()


def test_pedidos_de_crc_tem_limite_por_ip(client):
    for _ in range(60):  # CRC_LIMITE_POR_IP = 60/m
        assert client.get(crc_url(CNPJ_LIVRE)).status_code == 404
    bloqueado = client.get(crc_url(CNPJ_LIVRE))
    assert bloqueado.status_code == 429
    assert "Muitas tentativas" in bloqueado.content.decode()
    assert client.get(crc_url(CNPJ_LIVRE), REMOTE_ADDR="10.9.8.7").status_code == 404


# --- Revogação pelo admin ---------------------------------------------------------------------
@pytest.mark.usefixtures("pdf_instantaneo")
def test_acao_do_admin_revoga_o_crc_com_motivo_e_auditoria(admin_client, regular):
    certificado = crc.crc_do_dia(regular)
    url = "/admin/declaracoes/certificado/"
    selecao = {"action": "revogar", "_selected_action": [certificado.pk]}

    anonimo = Client().post(url, {**selecao, "confirmar": "1", "motivo": "Fraude"})
    assert anonimo.status_code == 302 and "/admin/login/" in anonimo["Location"]

    pergunta = admin_client.post(url, selecao)
    assert pergunta.status_code == 200
    assert "Motivo da revogação" in pergunta.content.decode()
    assert certificado.codigo_formatado in pergunta.content.decode()

    sem_motivo = admin_client.post(url, {**selecao, "confirmar": "1", "motivo": "  "})
    assert sem_motivo.status_code == 200
    assert "Motivo da revogação" in sem_motivo.content.decode()
    assert recarregar(certificado).revogado_em is None

    feita = admin_client.post(
        url, {**selecao, "confirmar": "1", "motivo": "Emitido com endereço errado"}, follow=True
    )

    assert "1 CRC(s) revogada(s)." in feita.content.decode()
    admin = feita.wsgi_request.user
    certificado = recarregar(certificado)
    assert certificado.revogado_em == AGORA
    assert certificado.revogado_por == admin
    assert certificado.motivo_revogacao == "Emitido com endereço errado"
    auditoria = RegistroAuditoria.objects.get(acao="certificado.revogado")
    assert (auditoria.ator, auditoria.objeto_tipo, auditoria.objeto_id) == (
        admin,
        "declaracoes.certificado",
        str(certificado.pk),
    )
    assert auditoria.descricao == "Emitido com endereço errado"
    assert auditoria.depois == {"codigo": certificado.codigo}
    assert auditoria.ip == "127.0.0.1"

    # de novo: nada muda, nenhuma auditoria a mais
    de_novo = admin_client.post(url, {**selecao, "confirmar": "1", "motivo": "Outro"}, follow=True)
    assert "0 CRC(s) revogada(s)." in de_novo.content.decode()
    assert recarregar(certificado).motivo_revogacao == "Emitido com endereço errado"
    assert RegistroAuditoria.objects.filter(acao="certificado.revogado").count() == 1

    # o próximo pedido do CRC emite outro certificado
    novo = Client().get(crc_url(regular.cnpj))
    assert novo.status_code == 200
    assert certificado.codigo not in novo["Content-Disposition"]
    assert Certificado.objects.filter(revogado_em__isnull=True).count() == 1


# --- Reemissão pelo endereço, com o cache do registro público ---------------------------------
def _codigo_do_pdf(resposta):
    return resposta["Content-Disposition"].rsplit("-", 1)[1].split(".")[0]


@pytest.mark.usefixtures("pdf_instantaneo")
def test_reemissao_e_uma_consulta_e_cada_mudanca_emite_outro(
    client, regular, analista, django_assert_num_queries, django_capture_on_commit_callbacks
):
    primeiro = _codigo_do_pdf(client.get(crc_url(regular.cnpj)))
    with django_assert_num_queries(1):  # Parceiro e certificado de hoje numa consulta só
        assert _codigo_do_pdf(client.get(crc_url(regular.cnpj))) == primeiro

    with django_capture_on_commit_callbacks(execute=True):
        parceiros.alterar_pela_administracao(regular, ator=analista, cadin_bloqueado=True)
    segundo = _codigo_do_pdf(client.get(crc_url(regular.cnpj)))
    assert segundo != primeiro
    assert Certificado.objects.get(codigo=segundo).snapshot["cadin"].startswith("Sim")

    with django_capture_on_commit_callbacks(execute=True):
        crc.revogar(Certificado.objects.get(codigo=segundo), ator=analista, motivo="Engano")
    terceiro = _codigo_do_pdf(client.get(crc_url(regular.cnpj)))
    assert terceiro not in (primeiro, segundo)


@pytest.mark.usefixtures("pdf_instantaneo")
def test_reemissao_em_cache_de_ontem_nao_vale_hoje(client, regular):
    ontem = _codigo_do_pdf(client.get(crc_url(regular.cnpj)))
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        hoje = _codigo_do_pdf(client.get(crc_url(regular.cnpj)))
    assert hoje != ontem


@pytest.mark.usefixtures("pdf_instantaneo")
def test_certificado_e_arquivo_apagados_emite_de_novo(client, regular):
    """O CRC de hoje sumiu (linha e arquivo): o próximo pedido emite outro, sem erro 500."""
    from django.core.files.storage import default_storage

    primeiro = _codigo_do_pdf(client.get(crc_url(regular.cnpj)))
    certificado = Certificado.objects.get(codigo=primeiro)
    default_storage.delete(certificado.pdf.name)
    certificado.delete()

    resposta = client.get(crc_url(regular.cnpj))

    assert resposta.status_code == 200 and resposta["Content-Type"] == "application/pdf"
    segundo = _codigo_do_pdf(resposta)
    assert segundo != primeiro and Certificado.objects.filter(codigo=segundo).exists()
    assert _codigo_do_pdf(client.get(crc_url(regular.cnpj))) == segundo  # o atalho foi refeito


def test_arquivo_que_sumiu_do_armazenamento_volta_identico(client, regular, caplog):
    """Backup restaurado sem a mídia do dia: a linha existe, o arquivo não. O PDF é refeito do
    retrato guardado, byte a byte o da emissão (o mesmo SHA-256), e volta ao armazenamento."""
    from django.core.files.storage import default_storage

    primeira = client.get(crc_url(regular.cnpj))
    original = b"".join(primeira.streaming_content)
    certificado = Certificado.objects.get(codigo=_codigo_do_pdf(primeira))
    default_storage.delete(certificado.pdf.name)

    resposta = client.get(crc_url(regular.cnpj))

    assert resposta.status_code == 200
    assert b"".join(resposta.streaming_content) == original
    assert default_storage.exists(certificado.pdf.name)
    assert Certificado.objects.filter(parceiro=regular).count() == 1
    assert "refeito do retrato" in caplog.text
