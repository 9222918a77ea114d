"""O desenho do PDF do CRC (``declaracoes.crc_pdf``), a partir de um contexto montado à mão.

O retrato e o contexto são testados em test_crc.py, com o QR lido da imagem; aqui, sem banco:
a ordem dos textos, os acentos nas fontes padrão do PDF (WinAnsi) e, quando algum texto não
cabe nelas, nas DejaVu, o texto de fora como escrito, a paginação (o cabeçalho da tabela
repetido, "Página X de Y", o quadro de autenticidade inteiro numa página) e os metadados.
"""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from declaracoes import crc, crc_pdf

pytestmark = pytest.mark.django_db  # as fixtures automáticas da suíte usam o banco

AGORA = datetime(2026, 8, 10, 10, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
CODIGO = "0123456789ABCDEF"


def item(nome, status="vigente", validade="Válido até 09/09/2026", **extra):
    exibido = {"vigente": "Vigente", "vencido": "Vencido", "pendente": "Pendente"}[status]
    return {
        "obrigacao": nome,
        "obrigatoria": True,
        "mrosc": False,
        "status": status,
        "status_display": exibido,
        "validade": validade,
        **extra,
    }


def retrato(**mudancas):
    return {
        "formato": 1,
        "dia": "2026-08-10",
        "numero_cadastro": 7,
        "cnpj": "18000001000100",
        "cnpj_formatado": "18.000.001/0001-00",
        "razao_social": "MUNICÍPIO DE SÃO JOSÉ DAS ALMAS",
        "nome_fantasia": "Prefeitura",
        "natureza_juridica": "124-4 — Município",
        "tipo": "Município",
        "genero": "Administração Pública Municipal",
        "endereco": "PRAÇA DA MATRIZ, 100 — CENTRO — SÃO JOSÉ DAS ALMAS/MG — CEP 35400-000",
        "situacao": "regular",
        "situacao_display": "Regular",
        "situacao_mrosc": "Não se aplica",
        "cadin": "Não",
        "siafi": "Normal",
        "motivo_impedimento": "",
        "possui_impedimento": False,
        "representante": {"nome": "Rita Representante", "cargo": "Prefeita", "mandato_fim": "—"},
        "grupos": [
            {
                "nome": "Obrigações da Prefeitura",
                "itens": [
                    item("Certidão negativa de débitos", "vencido", "Venceu em 20/07/2026"),
                    item(
                        "Relevância pública",
                        "pendente",
                        "Sem documento aprovado",
                        obrigatoria=False,
                        mrosc=True,
                    ),
                ],
            }
        ],
        **mudancas,
    }


def renderizar(codigo=CODIGO, **mudancas):
    return crc_pdf.renderizar(crc.contexto_pdf(retrato(**mudancas), codigo, AGORA))


def paginas(dados):
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(dados)).pages]


def em_ordem(texto, *trechos):
    posicao = 0
    for trecho in trechos:
        achado = texto.find(trecho, posicao)
        assert achado >= 0, f"{trecho!r} não aparece depois da posição {posicao}"
        posicao = achado + len(trecho)
    return True


def fontes(dados):
    return {
        fonte.get_object()["/BaseFont"].split("+")[-1].lstrip("/")
        for pagina in PdfReader(io.BytesIO(dados)).pages
        for fonte in pagina["/Resources"]["/Font"].values()
    }


def test_textos_na_ordem_do_certificado_com_acentos_nas_fontes_padrao_do_pdf():
    dados = renderizar()

    assert dados.startswith(b"%PDF-")
    [texto] = paginas(dados)
    assert em_ordem(
        texto,
        "GOVERNO DO ESTADO DE MINAS GERAIS Cadastro Geral de Convenentes — CAGEC",
        "Certificado de Registro Cadastral — CRC",
        "Número de cadastro 7 Situação Regular",
        "Situação MROSC Não se aplica Possui impedimento Não",
        "CADIN-MG Não SIAFI-MG Normal",
        "Identificação CNPJ 18.000.001/0001-00 Razão social MUNICÍPIO DE SÃO JOSÉ DAS ALMAS",
        "Nome fantasia Prefeitura Natureza jurídica 124-4 — Município",
        "Gênero / Tipo Administração Pública Municipal / Município",
        "Endereço PRAÇA DA MATRIZ, 100",
        "Representante Legal Nome Rita Representante Cargo Prefeita Vencimento do mandato —",
        "Obrigações Obrigações da Prefeitura Obrigação Status Validade",
        "Certidão negativa de débitos Vencido Venceu em 20/07/2026",
        "Relevância pública (não obrigatória) (MROSC) Pendente Sem documento aprovado",
        "Emitido em 10/08/2026 às 10:00:00 (horário de Brasília). A situação é a da data e "
        "hora da emissão.",
        "Código de verificação: 0123-4567-89AB-CDEF",
        "Confira a autenticidade e a situação atual em "
        "http://testserver/verificar/0123456789ABCDEF/ ou aponte a câmera para o código QR.",
        "Portal CAGEC — Certificado de Registro Cadastral",
        "Página 1 de 1",
    )
    assert "Motivo do impedimento" not in texto
    assert fontes(dados) == {"Helvetica", "Helvetica-Bold", "Courier-Bold"}


@pytest.mark.parametrize(
    "campo, valor",
    [
        ("razao_social", "ASSOCIAÇÃO DOS AMIGOS DE ŁÓDŹ E DE GYŐR"),
        ("endereco", "RUA ΑΘΗΝΑ, 10 — CENTRO — BELO HORIZONTE/MG"),
        ("nome_fantasia", "Casa ≥ Lar ✓"),
    ],
)
def test_texto_fora_do_winansi_sai_inteiro_nas_fontes_dejavu(campo, valor):
    """Um caractere que as fontes padrão não têm não vira caixa nem some: o documento
    inteiro sai nas DejaVu (acentos, travessões e o resto continuam certos)."""
    with pytest.raises(UnicodeEncodeError):
        valor.encode("cp1252")
    dados = renderizar(**{campo: valor})

    [texto] = paginas(dados)
    assert valor in texto
    assert "Certificado de Registro Cadastral — CRC" in texto
    assert "Relevância pública (não obrigatória) (MROSC) Pendente" in texto
    assert fontes(dados) == {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono-Bold"}


def test_todo_caractere_do_winansi_sai_nas_fontes_padrao():
    """Os caracteres do WinAnsi além do ASCII (aspas curvas, travessão, º, ª, €, acentos)
    ficam nas fontes padrão e voltam iguais na extração do texto."""
    latinos = "“Água” ‘é’ — – … º ª € ç Ç ã õ ñ ü Ü ø æ œ ß ÿ"
    dados = renderizar(razao_social=latinos)

    [texto] = paginas(dados)
    assert f"Razão social {latinos}" in texto
    assert fontes(dados) == {"Helvetica", "Helvetica-Bold", "Courier-Bold"}


def test_texto_de_fora_sai_como_escrito_e_os_casos_sem_representante_nem_obrigacoes():
    [texto] = paginas(
        renderizar(
            razao_social='ASSOCIAÇÃO <b>A & B</b> "ÁGUA" <font size=40>',
            numero_cadastro=None,
            nome_fantasia="",
            possui_impedimento=True,
            motivo_impedimento="Convênio 12/2024 <inadimplente> & outros",
            representante=None,
            grupos=[],
        )
    )

    assert 'Razão social ASSOCIAÇÃO <b>A & B</b> "ÁGUA" <font size=40>' in texto
    assert "Número de cadastro — Situação Regular" in texto
    assert "Nome fantasia —" in texto
    assert "Possui impedimento Sim" in texto
    assert "Motivo do impedimento Convênio 12/2024 <inadimplente> & outros" in texto
    assert "Representante Legal Nenhum representante legal vinculado." in texto
    assert "Obrigações O tipo deste parceiro não tem obrigações cadastradas." in texto


def test_lista_longa_repete_o_cabecalho_do_grupo_e_numera_as_paginas():
    nomes = [
        f"Extrato do CAUC — item {n} (encaminhamento do relatório ao Siconfi)" for n in range(70)
    ]
    grupo = {"nome": "Responsabilidade Fiscal", "itens": [item(nome) for nome in nomes]}

    texto = paginas(renderizar(grupos=[grupo]))

    assert len(texto) == 3
    for numero, pagina in enumerate(texto, start=1):
        assert pagina.endswith(f"Página {numero} de 3")
    for pagina in texto[1:]:
        assert pagina.startswith("Responsabilidade Fiscal Obrigação Status Validade")
    assert all(nome in " ".join(texto) for nome in nomes)
    assert "Código de verificação" in texto[-1]


@pytest.mark.parametrize("n", range(12, 28))
def test_quadro_de_autenticidade_fica_inteiro_numa_pagina(n):
    """Nesta faixa o quadro chega ao pé da primeira página: com 16 itens ainda cabe nela, com
    17 vai inteiro para a segunda (de 24 em diante, junto com os últimos itens)."""
    grupo = {"nome": "Grupo", "itens": [item(f"Obrigação número {i}") for i in range(n)]}

    texto = paginas(renderizar(grupos=[grupo]))

    [pagina] = [p for p in texto if "Emitido em" in p]
    assert "Código de verificação: 0123-4567-89AB-CDEF" in pagina
    assert "aponte a câmera para o código QR." in pagina


def test_metadados_com_titulo_e_hora_da_emissao_e_bytes_reproduziveis():
    dados = renderizar()

    metadados = PdfReader(io.BytesIO(dados)).metadata
    assert metadados.title == "CRC 18.000.001/0001-00 — 0123-4567-89AB-CDEF"
    assert metadados["/CreationDate"] == "D:20260810100000-03'00'"
    assert renderizar() == dados  # nada de relógio nem acaso nos bytes
    assert renderizar(codigo="FEDCBA9876543210") != dados
