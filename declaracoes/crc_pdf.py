"""PDF do CRC desenhado com ReportLab (platypus), a partir de ``crc.contexto_pdf``.

O WeasyPrint levava 120–175 ms para 1 página e 310–390 ms para 3 (metas: 60 e 150 ms); o
CRC é gerado no pedido público, então aqui o mesmo documento sai de tabelas do platypus, com
as DejaVu registradas uma vez por processo e o QR (segno) desenhado como um único caminho.
A aparência segue a antiga folha de impressão: A4, margens 16/15/18/15 mm, tabelas com
rótulo cinza, status coloridos e o quadro de autenticidade numa página só.

Todo texto do contexto entra escapado (``_t``): razão social, nomes e motivos vêm de fora e
o ``Paragraph`` interpreta marcação.
"""

import functools
import io
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    HRFlowable,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from cagec.lib import pdf

# Margens da página 16/15/18/15 mm, mais os 8 px (6 pt) de margem do <body> do HTML antigo:
# dos lados em toda página, em cima só no começo do documento (``_conteudo``).
CORPO_DO_HTML = 6
LARGURA = A4[0] - 30 * mm - 2 * CORPO_DO_HTML
ROTULO = 36 * mm
COL_STATUS = 18 * mm
COL_VALIDADE = 42 * mm
RODAPE = "Portal CAGEC — Certificado de Registro Cadastral"

TEXTO = colors.HexColor("#111111")
CINZA_ROTULO = colors.HexColor("#333333")
FUNDO_ROTULO = colors.HexColor("#f1f3f5")
FUNDO_GRUPO = colors.HexColor("#dde3ea")
LINHA_CELULA = colors.HexColor("#cccccc")
LINHA_QUADRO = colors.HexColor("#999999")
CINZA_RODAPE = colors.HexColor("#555555")
PEQUENO = '<font size="7" color="#444444">{}</font>'
# (cor, negrito) por classe, como em .regular/.vigente, .irregular/.vencido e .pendente
CORES = {
    "regular": ("#0a5c2b", False),
    "vigente": ("#0a5c2b", False),
    "irregular": ("#9b1c1c", True),
    "vencido": ("#9b1c1c", True),
    "pendente": ("#8a4b00", True),
}


def _estilo(nome, tamanho, *, fonte=pdf.DEJAVU, cor=TEXTO, **extra):
    return ParagraphStyle(
        nome, fontName=fonte, fontSize=tamanho, leading=tamanho * 1.3, textColor=cor, **extra
    )


CORPO = _estilo("corpo", 8.5)
CELULA_ROTULO = _estilo("rotulo", 7.5, fonte=pdf.DEJAVU_NEGRITO, cor=CINZA_ROTULO)
CELULA_GRUPO = _estilo("grupo", 8, fonte=pdf.DEJAVU_NEGRITO, cor=CINZA_ROTULO)
ESTADO = _estilo("estado", 10.5, fonte=pdf.DEJAVU_NEGRITO, alignment=TA_CENTER)
ORGAO = _estilo("orgao", 8.5, cor=CINZA_ROTULO, alignment=TA_CENTER, spaceAfter=3 * mm)
TITULO = _estilo("h1", 13, fonte=pdf.DEJAVU_NEGRITO, alignment=TA_CENTER, spaceAfter=3 * mm)
SECAO = _estilo("h2", 10, fonte=pdf.DEJAVU_NEGRITO, spaceBefore=4 * mm)
AVISO = _estilo("p", 8.5, spaceBefore=8.5, spaceAfter=8.5)
DADO = _estilo("dado", 8.5, spaceAfter=1.5 * mm)
NOTA = _estilo("pequeno", 7, cor=colors.HexColor("#444444"), spaceAfter=1.5 * mm)
# Cabeçalho da primeira página: o QR e o código de verificação no canto direito (issue #13).
COL_VERIFICACAO = 36 * mm
QR_CABECALHO = 22 * mm
CODIGO_ROTULO = _estilo(
    "codigo_rotulo", 6.5, cor=CINZA_ROTULO, alignment=TA_CENTER, spaceBefore=1 * mm
)
CODIGO_CABECALHO = _estilo(
    "codigo_cabecalho", 8, fonte=pdf.DEJAVU_MONO_NEGRITO, alignment=TA_CENTER
)
# "Pendente" em negrito é um pouco mais largo que a coluna de 18 mm: passa do recuo da célula,
# como no HTML, em vez de partir a palavra.
COR_DO_STATUS = {
    classe: _estilo(
        classe,
        8.5,
        fonte=pdf.DEJAVU_NEGRITO if negrito else pdf.DEJAVU,
        cor=cor,
        splitLongWords=0,
    )
    for classe, (cor, negrito) in CORES.items()
}

_CELULAS = [
    ("FONTNAME", (0, 0), (-1, -1), pdf.DEJAVU),  # a Table sempre ativa a fonte da célula
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 1.2 * mm),
    ("RIGHTPADDING", (0, 0), (-1, -1), 1.2 * mm),
    ("TOPPADDING", (0, 0), (-1, -1), 0.8 * mm),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 0.8 * mm),
    ("LINEBELOW", (0, 0), (-1, -1), 0.3, LINHA_CELULA),
]
RESUMO = TableStyle(  # a linha opcional do motivo junta as três colunas da direita
    [
        *_CELULAS,
        ("BACKGROUND", (0, 0), (0, -1), FUNDO_ROTULO),
        ("BACKGROUND", (2, 0), (2, 2), FUNDO_ROTULO),
    ]
)
FICHA = TableStyle([*_CELULAS, ("BACKGROUND", (0, 0), (0, -1), FUNDO_ROTULO)])
ITENS = TableStyle(
    [
        *_CELULAS,
        ("SPAN", (0, 0), (-1, 0)),
        ("BACKGROUND", (0, 0), (-1, 0), FUNDO_GRUPO),
        ("BACKGROUND", (0, 1), (-1, 1), FUNDO_ROTULO),
    ]
)
CABECALHO = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), pdf.DEJAVU),  # a célula vazia também ativa a fonte
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]
)
QUADRO = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), pdf.DEJAVU),
        ("BOX", (0, 0), (-1, -1), 0.5, LINHA_QUADRO),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (0, 0), 2.5 * mm),
        ("LEFTPADDING", (1, 0), (1, 0), 3 * mm),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5 * mm),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5 * mm),
    ]
)


def renderizar(contexto: dict) -> bytes:
    """Os bytes do PDF do CRC para o contexto de ``crc.contexto_pdf``."""
    pdf.fontes_reportlab()
    saida = io.BytesIO()
    documento = BaseDocTemplate(
        saida,
        pagesize=A4,
        pageTemplates=[_pagina()],
        initialFontName=pdf.DEJAVU,
        lang="pt-BR",
        title=f"CRC {contexto['cnpj_formatado']} — {contexto['codigo']}",
        author="Portal CAGEC — Governo do Estado de Minas Gerais",
        subject="Certificado de Registro Cadastral",
        creator="Portal CAGEC",
        # Sem relógio nem acaso nos bytes: a data do PDF é a da emissão (``_Tela``).
        invariant=1,
        pageCompression=1,
    )
    emitido_em = contexto["emitido_em"]
    documento.build(
        _conteudo(contexto), canvasmaker=lambda *a, **k: _Tela(*a, emitido_em=emitido_em, **k)
    )
    return saida.getvalue()


def _pagina():
    moldura = Frame(
        15 * mm,
        18 * mm,
        A4[0] - 30 * mm,
        A4[1] - 34 * mm,
        leftPadding=CORPO_DO_HTML,
        rightPadding=CORPO_DO_HTML,
        topPadding=0,
        bottomPadding=0,
        id="corpo",
    )
    return PageTemplate(id="crc", frames=[moldura])


def _conteudo(c):
    return [
        Spacer(0, CORPO_DO_HTML),
        _cabecalho(c),
        _resumo(c),
        *_secao("Identificação"),
        _identificacao(c),
        *_secao("Representante Legal"),
        _representante(c["representante"]),
        *_secao("Obrigações"),
        *_obrigacoes(c["grupos"]),
        _autenticidade(c),
    ]


def _cabecalho(c):
    """Título no centro da página; à direita, o QR e o código de verificação, para quem recebe
    só a primeira página (ou a folha impressa) conferir o CRC sem procurar o quadro do fim."""
    titulo = [
        Paragraph("GOVERNO DO ESTADO DE MINAS GERAIS", ESTADO),
        Paragraph("Cadastro Geral de Convenentes — CAGEC", ORGAO),
        Paragraph("Certificado de Registro Cadastral — CRC", TITULO),
    ]
    verificacao = [
        _QR(c["url_verificacao"], lado=QR_CABECALHO),
        Paragraph("Código de verificação", CODIGO_ROTULO),
        Paragraph(_t(c["codigo"]), CODIGO_CABECALHO),
    ]
    larguras = [COL_VERIFICACAO, LARGURA - 2 * COL_VERIFICACAO, COL_VERIFICACAO]
    return Table([["", titulo, verificacao]], colWidths=larguras, style=CABECALHO)


def _t(valor, padrao="—"):
    """Texto do contexto pronto para a marcação do ``Paragraph``."""
    texto = "" if valor is None else str(valor)
    return escape(texto) if texto else padrao


def _rotulo(texto):
    return Paragraph(texto, CELULA_ROTULO)


def _valor(valor, estilo=CORPO):
    return Paragraph(_t(valor), estilo)


def _tabela(linhas, larguras, estilo, **extra):
    return Table(linhas, colWidths=larguras, style=estilo, spaceAfter=1 * mm, **extra)


def _secao(titulo):
    """O h2: título com o fio embaixo, que não fica sozinho no pé da página."""
    return [
        _SemTituloNoPe(30 * mm),
        Paragraph(titulo, SECAO),
        HRFlowable(width="100%", thickness=0.4, color=LINHA_QUADRO, spaceAfter=1.5 * mm),
    ]


def _resumo(c):
    situacao = ParagraphStyle(
        "situacao", COR_DO_STATUS.get(c["situacao"], CORPO), fontName=pdf.DEJAVU_NEGRITO
    )
    linhas = [
        [
            _rotulo("Número de cadastro"),
            _valor(c["numero_cadastro"]),
            _rotulo("Situação"),
            _valor(c["situacao_display"], situacao),
        ],
        [
            _rotulo("Situação MROSC"),
            _valor(c["situacao_mrosc"]),
            _rotulo("Possui impedimento"),
            _valor("Sim" if c["possui_impedimento"] else "Não"),
        ],
        [_rotulo("CADIN-MG"), _valor(c["cadin"]), _rotulo("SIAFI-MG"), _valor(c["siafi"])],
    ]
    estilo = RESUMO
    if c["motivo_impedimento"]:
        linhas.append([_rotulo("Motivo do impedimento"), _valor(c["motivo_impedimento"]), "", ""])
        estilo = TableStyle([("SPAN", (1, -1), (-1, -1))], parent=RESUMO)
    valor = (LARGURA - 2 * ROTULO) / 2
    return _tabela(linhas, [ROTULO, valor, ROTULO, valor], estilo)


def _ficha(pares):
    """Tabela de duas colunas: rótulo cinza e valor."""
    linhas = [[_rotulo(rotulo), _valor(valor)] for rotulo, valor in pares]
    return _tabela(linhas, [ROTULO, LARGURA - ROTULO], FICHA)


def _identificacao(c):
    return _ficha(
        [
            ("CNPJ", c["cnpj_formatado"]),
            ("Razão social", c["razao_social"]),
            ("Nome fantasia", c["nome_fantasia"]),
            ("Natureza jurídica", c["natureza_juridica"]),
            ("Gênero / Tipo", f"{c['genero']} / {c['tipo']}"),
            ("Endereço", c["endereco"]),
        ]
    )


def _representante(rl):
    if not rl:
        return Paragraph("Nenhum representante legal vinculado.", AVISO)
    return _ficha(
        [
            ("Nome", rl["nome"]),
            ("Cargo", rl["cargo"]),
            ("Vencimento do mandato", rl["mandato_fim"]),
        ]
    )


def _obrigacoes(grupos):
    if not grupos:
        return [Paragraph("O tipo deste parceiro não tem obrigações cadastradas.", AVISO)]
    return [_grupo(grupo) for grupo in grupos]


def _grupo(grupo):
    """Uma tabela por grupo; as duas linhas de cabeçalho se repetem na página seguinte."""
    linhas = [
        [Paragraph(_t(grupo["nome"]), CELULA_GRUPO), "", ""],
        [_rotulo("Obrigação"), _rotulo("Status"), _rotulo("Validade")],
    ]
    for item in grupo["itens"]:
        linhas.append(
            [
                Paragraph(_nome_do_item(item), CORPO),
                _valor(item["status_display"], COR_DO_STATUS.get(item["status"], CORPO)),
                _valor(item["validade"]),
            ]
        )
    larguras = [LARGURA - COL_STATUS - COL_VALIDADE, COL_STATUS, COL_VALIDADE]
    return _tabela(linhas, larguras, ITENS, repeatRows=2)


def _nome_do_item(item):
    nome = _t(item["obrigacao"])
    if not item["obrigatoria"]:
        nome += " " + PEQUENO.format("(não obrigatória)")
    if item["mrosc"]:
        nome += " " + PEQUENO.format("(MROSC)")
    return nome


def _autenticidade(c):
    emitido_em = c["emitido_em"]
    url = _t(c["url_verificacao"])
    dados = [
        Paragraph(
            f"Emitido em {emitido_em:%d/%m/%Y} às {emitido_em:%H:%M:%S} (horário de Brasília). "
            "A situação é a da data e hora da emissão.",
            DADO,
        ),
        Paragraph(
            "Código de verificação: "
            f'<font name="{pdf.DEJAVU_MONO_NEGRITO}" size="11">{_t(c["codigo"])}</font>',
            DADO,
        ),
        Paragraph(
            f"Confira a autenticidade e a situação atual em {url} "
            "ou aponte a câmera para o código QR.",
            NOTA,
        ),
    ]
    quadro = Table(
        [[_QR(c["url_verificacao"]), dados]],
        colWidths=[32.5 * mm, LARGURA - 32.5 * mm],
        style=QUADRO,
        spaceBefore=4 * mm,
    )
    return KeepTogether([quadro])  # a intenção explícita, mesmo que o quadro ganhe linhas


class _SemTituloNoPe(CondPageBreak):
    """Quebra a página se faltar espaço para o título e as primeiras linhas da seção, sem
    interromper a sobreposição do espaço depois da tabela anterior com o antes do título (as
    margens que o CSS colapsava)."""

    _SPACETRANSFER = True


class _QR(Flowable):
    """O QR do endereço de verificação, 28 mm, como um só caminho de retângulos (um por
    sequência de módulos escuros numa linha): rápido de desenhar e sem frestas entre módulos."""

    LADO = 28 * mm

    def __init__(self, url, lado=LADO):
        super().__init__()
        self.matriz = _matriz_qr(url)
        self.lado = lado

    def wrap(self, largura, altura):
        return self.lado, self.lado

    def draw(self):
        n = len(self.matriz)
        modulo = self.lado / n
        caminho = self.canv.beginPath()
        for y, linha in enumerate(self.matriz):
            topo = (n - 1 - y) * modulo
            for inicio, fim in _sequencias(linha):
                caminho.rect(inicio * modulo, topo, (fim - inicio) * modulo, modulo)
        self.canv.setFillColor(colors.black)
        self.canv.drawPath(caminho, stroke=0, fill=1)


@functools.lru_cache(maxsize=16)
def _matriz_qr(url):
    """A matriz do QR: o mesmo endereço no cabeçalho e no quadro do fim, calculada uma vez."""
    return segno.make(url, error="m").matrix


def _sequencias(linha):
    """Pares (início, fim) das sequências de módulos escuros de uma linha da matriz."""
    inicio = None
    for x, escuro in enumerate([*linha, 0]):
        if escuro and inicio is None:
            inicio = x
        elif not escuro and inicio is not None:
            yield inicio, x
            inicio = None


class _Tela(Canvas):
    """Canvas que guarda as páginas e só as fecha no fim, quando já sabe o total: o rodapé
    "Página X de Y" sai numa passada só do layout."""

    def __init__(self, *args, emitido_em, **kwargs):
        super().__init__(*args, **kwargs)
        self._paginas = []
        self.setDateFormatter(lambda *_: emitido_em.strftime("D:%Y%m%d%H%M%S") + _fuso(emitido_em))

    def showPage(self):
        self._paginas.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._paginas)
        for numero, estado in enumerate(self._paginas, start=1):
            self.__dict__.update(estado)
            self._rodape(numero, total)
            super().showPage()
        super().save()

    def _rodape(self, numero, total):
        self.saveState()
        self.setFont(pdf.DEJAVU, 7.5)
        self.setFillColor(CINZA_RODAPE)
        self.drawString(15 * mm, 8.1 * mm, RODAPE)
        self.drawRightString(A4[0] - 15 * mm, 8.1 * mm, f"Página {numero} de {total}")
        self.restoreState()


def _fuso(momento):
    """O deslocamento no formato das datas do PDF: ``-03'00'``."""
    minutos = int(momento.utcoffset().total_seconds() // 60)
    sinal = "-" if minutos < 0 else "+"
    return f"{sinal}{abs(minutos) // 60:02d}'{abs(minutos) % 60:02d}'"
