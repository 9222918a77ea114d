"""PDF do CRC desenhado direto no ``Canvas`` do ReportLab, a partir de ``crc.contexto_pdf``.

A primeira emissão do dia acontece no pedido público (issue #15: p50 ≤ 60 ms de servidor e
vazão ≥ 0,05 B, ~5–10 ms de CPU por emissão). O platypus (uma ``Paragraph`` por célula, que
analisa marcação, e uma ``Table`` por quadro) custava ~20 ms por página; aqui o layout é
calculado à mão, em duas passadas sem desenhar nada de novo:

1. ``_blocos``: cada linha de tabela, título de seção e quadro vira um ``_Bloco`` com a altura
   já medida (quebra de linha por ``stringWidth``);
2. ``_paginar``: distribui os blocos pelas páginas (título de seção não fica sozinho no pé, o
   cabeçalho do grupo se repete na página seguinte, o quadro de autenticidade não se parte) e
   só então desenha, já sabendo o total de "Página X de Y".

Fontes: as padrão do PDF (Helvetica e Courier, codificação WinAnsi) não são embutidas e o
``save`` fica ~3,5 ms mais barato que o subconjunto das três DejaVu (medido: 1,1 ms contra
4,6 ms de CPU, 2 KB contra 47 KB). Quando algum texto do contexto não cabe no WinAnsi (um nome
com "ő", "Ł"...), o documento inteiro sai com as DejaVu, que cobrem esses caracteres.

A aparência segue a do platypus: A4, margens 16/15/18/15 mm, tabelas com rótulo cinza, status
coloridos, QR e código no alto da primeira página e o quadro de autenticidade no fim.
"""

import functools
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import zxingcpp
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from cagec.lib import pdf
from parceiros.situacao import rotulo_impedimento

# Margens da página 16/15/18/15 mm, mais os 6 pt do corpo do antigo HTML dos dois lados.
CORPO_DO_HTML = 6
ESQUERDA = 15 * mm + CORPO_DO_HTML
LARGURA = A4[0] - 30 * mm - 2 * CORPO_DO_HTML
TOPO = A4[1] - 16 * mm
BASE = 18 * mm
ROTULO = 36 * mm
COL_STATUS = 18 * mm
COL_VALIDADE = 42 * mm
COL_VERIFICACAO = 36 * mm
QR_CABECALHO = 22 * mm
QR_QUADRO = 28 * mm
COL_QR_QUADRO = 32.5 * mm
RESPIRO_H = 1.2 * mm  # recuo das células
RESPIRO_V = 0.8 * mm
RODAPE = "Portal CAGEC — Certificado de Registro Cadastral"

TEXTO = colors.HexColor("#111111")
CINZA_ROTULO = colors.HexColor("#333333")
CINZA_NOTA = colors.HexColor("#444444")
FUNDO_ROTULO = colors.HexColor("#f1f3f5")
FUNDO_GRUPO = colors.HexColor("#dde3ea")
LINHA_CELULA = colors.HexColor("#cccccc")
LINHA_QUADRO = colors.HexColor("#999999")
CINZA_RODAPE = colors.HexColor("#555555")
# (cor, negrito) por classe, como em .regular/.vigente, .irregular/.vencido e .pendente
CORES = {
    "regular": (colors.HexColor("#0a5c2b"), False),
    "vigente": (colors.HexColor("#0a5c2b"), False),
    "irregular": (colors.HexColor("#9b1c1c"), True),
    "vencido": (colors.HexColor("#9b1c1c"), True),
    "pendente": (colors.HexColor("#8a4b00"), True),
}


class Fontes(NamedTuple):
    normal: str
    negrito: str
    mono_negrito: str


PADRAO = Fontes("Helvetica", "Helvetica-Bold", "Courier-Bold")
DEJAVU = Fontes(pdf.DEJAVU, pdf.DEJAVU_NEGRITO, pdf.DEJAVU_MONO_NEGRITO)


class Trecho(NamedTuple):
    """Um pedaço de texto com um só estilo; uma linha é uma lista deles."""

    texto: str
    fonte: str
    tamanho: float
    cor: Any


@dataclass
class _Bloco:
    """Uma faixa horizontal da página: a altura e como desenhá-la a partir do topo ``y``.

    ``antes``: espaço acima (some no alto da página); ``manter``: altura que precisa caber
    junto (título + começo da seção); ``cabecalho``: bloco redesenhado no alto da página
    seguinte quando a tabela continua lá.
    """

    altura: float
    desenhar: Callable[[Canvas, "_Texto", float], None]
    antes: float = 0.0
    manter: float = 0.0
    cabecalho: "_Bloco | None" = None


@dataclass
class _Celula:
    largura: float
    linhas: list[list[Trecho]]
    entrelinha: float
    fundo: Any = None


def renderizar(contexto: dict) -> bytes:
    """Os bytes do PDF do CRC para o contexto de ``crc.contexto_pdf``."""
    fontes = fontes_do_contexto(contexto)
    saida = io.BytesIO()
    emitido_em = contexto["emitido_em"]
    tela = Canvas(
        saida,
        pagesize=A4,
        invariant=1,
        pageCompression=1,
        lang="pt-BR",
        initialFontName=fontes.normal,  # a fonte inicial também entra no PDF
    )
    # Sem relógio nem acaso nos bytes: a data do PDF é a da emissão.
    tela.setDateFormatter(lambda *_: emitido_em.strftime("D:%Y%m%d%H%M%S") + _fuso(emitido_em))
    tela.setTitle(f"CRC {contexto['cnpj_formatado']} — {contexto['codigo']}")
    tela.setAuthor("Portal CAGEC — Governo do Estado de Minas Gerais")
    tela.setSubject("Certificado de Registro Cadastral")
    tela.setCreator("Portal CAGEC")
    paginas = _paginar(_blocos(contexto, fontes))
    for numero, pagina in enumerate(paginas, start=1):
        texto = _Texto(tela)  # o texto da página num objeto só, por cima dos fundos e fios
        for topo, bloco in pagina:
            bloco.desenhar(tela, texto, topo)
        texto.fechar()
        _rodape(tela, fontes, numero, len(paginas))
        tela.showPage()
    tela.save()
    return saida.getvalue()


def fontes_do_contexto(contexto: dict) -> Fontes:
    """As fontes padrão quando todo texto cabe no WinAnsi; senão, as DejaVu."""
    try:
        # o mesmo codec que o ReportLab usa nas fontes padrão (registrado pelo pdfmetrics),
        # sobre todo texto do contexto de uma vez (o JSON escapa \n, \t e outros controles,
        # que a quebra de linha não desenha)
        json.dumps(contexto, ensure_ascii=False, default=str).encode("winansi")
    except UnicodeEncodeError:
        pdf.fontes_reportlab()
        return DEJAVU
    return PADRAO


def _paginar(blocos: list[_Bloco]) -> list[list[tuple[float, _Bloco]]]:
    """[(topo, bloco)] por página, com as regras de quebra do platypus antigo."""
    paginas: list[list[tuple[float, _Bloco]]] = [[]]
    y = alto = TOPO - CORPO_DO_HTML
    for bloco in blocos:
        espaco = 0.0 if y == alto else bloco.antes  # no alto da página não há espaço antes
        if paginas[-1] and y - espaco - max(bloco.altura, bloco.manter) < BASE:
            paginas.append([])
            y = alto = TOPO
            espaco = 0.0
            if bloco.cabecalho is not None:
                paginas[-1].append((y, bloco.cabecalho))
                y -= bloco.cabecalho.altura
        y -= espaco
        paginas[-1].append((y, bloco))
        y -= bloco.altura
    return paginas


# --- Texto: quebra de linha e desenho ------------------------------------------------------
def _quebrar(trechos: list[Trecho], largura: float, partir: bool = True) -> list[list[Trecho]]:
    """Quebra gulosa por palavras (espaços colapsados, como no HTML); palavra maior que a
    largura é partida por caractere, salvo com ``partir=False`` (o status passa do recuo).
    O trecho que cabe inteiro no resto da linha é medido uma vez só (o caso comum)."""
    linhas: list[list[Trecho]] = []
    atual: list[Trecho] = []
    usado = 0.0
    for trecho in trechos:
        palavras = trecho.texto.split()
        espaco = stringWidth(" ", trecho.fonte, trecho.tamanho) if atual else 0.0
        inteiro = " ".join(palavras)
        medida = stringWidth(inteiro, trecho.fonte, trecho.tamanho)
        if usado + espaco + medida <= largura:
            if palavras:
                atual.append(trecho._replace(texto=(" " if atual else "") + inteiro))
                usado += espaco + medida
            continue
        usado = _por_palavra(trecho, palavras, largura, partir, linhas, atual, usado)
        atual = linhas.pop()
    if atual:
        linhas.append(atual)
    return linhas


def _por_palavra(trecho, palavras, largura, partir, linhas, atual, usado) -> float:
    """O trecho que não cabe: palavra a palavra; deixa a linha corrente no fim de ``linhas``
    e devolve a largura ocupada nela."""
    _, fonte, tamanho, cor = trecho
    espaco = stringWidth(" ", fonte, tamanho)
    for palavra in palavras:
        largura_palavra = stringWidth(palavra, fonte, tamanho)
        if atual and usado + espaco + largura_palavra > largura:
            linhas.append(atual)
            atual, usado = [], 0.0
        if not atual and partir and largura_palavra > largura:
            *inteiras, palavra = _partir(palavra, fonte, tamanho, largura)
            linhas.extend([[Trecho(p, fonte, tamanho, cor)] for p in inteiras])
            largura_palavra = stringWidth(palavra, fonte, tamanho)
        prefixo = " " if atual else ""
        if atual and atual[-1][1:] == (fonte, tamanho, cor):
            atual[-1] = atual[-1]._replace(texto=atual[-1].texto + prefixo + palavra)
        else:
            atual.append(Trecho(prefixo + palavra, fonte, tamanho, cor))
        usado += (espaco if prefixo else 0.0) + largura_palavra
    linhas.append(atual)
    return usado


def _partir(palavra: str, fonte: str, tamanho: float, largura: float) -> list[str]:
    pedacos, atual = [], ""
    for letra in palavra:
        if atual and stringWidth(atual + letra, fonte, tamanho) > largura:
            pedacos.append(atual)
            atual = ""
        atual += letra
    return [*pedacos, atual]


class _Texto:
    """Um objeto de texto do PDF (BT … ET) por página, desenhado depois dos fundos e fios, com
    a fonte e a cor trocadas só quando mudam; cada linha é uma sequência de trechos, na ordem
    de leitura (a extração do pypdf segue a ordem do conteúdo e lê os espaços como estão)."""

    def __init__(self, tela: Canvas) -> None:
        self.tela = tela
        self.objeto = tela.beginText()
        self.fonte: tuple[str, float] | None = None
        self.cor: Any = None

    def linha(self, x: float, y: float, linha: list[Trecho]) -> None:
        self.objeto.setTextOrigin(x, y)
        for texto, fonte, tamanho, cor in linha:
            if self.fonte != (fonte, tamanho):
                self.objeto.setFont(fonte, tamanho)
                self.fonte = (fonte, tamanho)
            if self.cor is not cor:
                self.objeto.setFillColor(cor)
                self.cor = cor
            self.objeto.textOut(texto)

    def paragrafo(
        self,
        x: float,
        topo: float,
        linhas: list[list[Trecho]],
        entrelinha: float,
        centro: bool = False,
    ) -> None:
        """As linhas a partir do ``topo`` (a primeira na altura da fonte); ``centro``:
        centradas em ``x``."""
        y = topo - linhas[0][0].tamanho if linhas else topo
        for linha in linhas:
            inicio = x - _largura_da_linha(linha) / 2 if centro else x
            self.linha(inicio, y, linha)
            y -= entrelinha

    def fechar(self) -> None:
        self.tela.drawText(self.objeto)


def _largura_da_linha(linha: list[Trecho]) -> float:
    return sum(stringWidth(t.texto, t.fonte, t.tamanho) for t in linha)


# --- Tabelas ---------------------------------------------------------------------------------
def _celula(trechos: list[Trecho], largura: float, **extra) -> _Celula:
    partir = extra.pop("partir", True)
    linhas = _quebrar(trechos, largura - 2 * RESPIRO_H, partir)
    entrelinha = max((t.tamanho for t in trechos), default=8.5) * 1.3
    return _Celula(largura, linhas, extra.pop("entrelinha", entrelinha), **extra)


def _linha_de_tabela(celulas: list[_Celula], **opcoes) -> _Bloco:
    """Uma linha de tabela: células com fundo, texto no alto e o fio cinza embaixo."""
    altura = 2 * RESPIRO_V + max(len(c.linhas) * c.entrelinha for c in celulas)

    def desenhar(tela: Canvas, texto: "_Texto", topo: float) -> None:
        x = ESQUERDA
        for celula in celulas:  # os fundos antes do texto, que fica por cima
            if celula.fundo is not None:
                tela.setFillColor(celula.fundo)
                tela.rect(x, topo - altura, celula.largura, altura, stroke=0, fill=1)
            x += celula.largura
        x = ESQUERDA
        for celula in celulas:
            texto.paragrafo(x + RESPIRO_H, topo - RESPIRO_V, celula.linhas, celula.entrelinha)
            x += celula.largura
        tela.setStrokeColor(LINHA_CELULA)
        tela.setLineWidth(0.3)
        tela.line(ESQUERDA, topo - altura, x, topo - altura)

    return _Bloco(altura, desenhar, **opcoes)


class _Estilos:
    """Os trechos de texto do documento numa família de fontes."""

    def __init__(self, fontes: Fontes) -> None:
        self.fontes = fontes

    def corpo(self, valor: Any, padrao: str = "—") -> list[Trecho]:
        texto = "" if valor is None else str(valor)
        return [Trecho(texto or padrao, self.fontes.normal, 8.5, TEXTO)]

    def rotulo(self, texto: str) -> list[Trecho]:
        return [Trecho(texto, self.fontes.negrito, 7.5, CINZA_ROTULO)]

    def status(self, classe: str, texto: str, negrito_sempre: bool = False) -> list[Trecho]:
        cor, negrito = CORES.get(classe, (TEXTO, False))
        fonte = self.fontes.negrito if negrito or negrito_sempre else self.fontes.normal
        return [Trecho(texto, fonte, 8.5, cor)]

    def pequeno(self, texto: str) -> Trecho:
        return Trecho(" " + texto, self.fontes.normal, 7, CINZA_NOTA)


# --- O documento -------------------------------------------------------------------------------
def _blocos(c: dict, fontes: Fontes) -> list[_Bloco]:
    e = _Estilos(fontes)
    blocos = [_cabecalho(c, e), *_resumo(c, e)]
    blocos += [_secao("Identificação", e), *_identificacao(c, e)]
    blocos += [_secao("Representante Legal", e), *_representante(c["representante"], e)]
    blocos += [_secao("Obrigações", e), *_obrigacoes(c["grupos"], e)]
    blocos.append(_autenticidade(c, e))
    return blocos


def _cabecalho(c: dict, e: _Estilos) -> _Bloco:
    """Título no centro; à direita, o QR e o código de verificação, para quem recebe só a
    primeira página (ou a folha impressa) conferir o CRC sem procurar o quadro do fim."""
    # O título pode avançar 3 mm em cada coluna do lado (o QR tem 7 mm de folga até ele): nas
    # DejaVu, mais largas, "… — CRC" ainda cabe numa linha, como no platypus.
    centro = LARGURA - 2 * COL_VERIFICACAO + 6 * mm
    f = e.fontes
    titulo = [
        (
            _quebrar([Trecho("GOVERNO DO ESTADO DE MINAS GERAIS", f.negrito, 10.5, TEXTO)], centro),
            13.65,
            0.0,
        ),
        (
            _quebrar(
                [Trecho("Cadastro Geral de Convenentes — CAGEC", f.normal, 8.5, CINZA_ROTULO)],
                centro,
            ),
            11.05,
            3 * mm,
        ),
        (
            _quebrar(
                [Trecho("Certificado de Registro Cadastral — CRC", f.negrito, 13, TEXTO)], centro
            ),
            16.9,
            3 * mm,
        ),
    ]
    altura_titulo = sum(len(linhas) * lead + depois for linhas, lead, depois in titulo)
    rotulo = [[Trecho("Código de verificação", f.normal, 6.5, CINZA_ROTULO)]]
    codigo = [[Trecho(c["codigo"], f.mono_negrito, 8, TEXTO)]]
    altura_codigo = QR_CABECALHO + 1 * mm + 8.45 + 10.4
    altura = max(altura_titulo, altura_codigo)
    meio = ESQUERDA + LARGURA / 2
    direita = ESQUERDA + LARGURA - COL_VERIFICACAO / 2

    def desenhar(tela: Canvas, texto: "_Texto", topo: float) -> None:
        y = topo - (altura - altura_titulo) / 2
        for linhas, entrelinha, depois in titulo:
            texto.paragrafo(meio, y, linhas, entrelinha, centro=True)
            y -= len(linhas) * entrelinha + depois
        y = topo - (altura - altura_codigo) / 2
        _qr(tela, c["url_verificacao"], direita - QR_CABECALHO / 2, y - QR_CABECALHO, QR_CABECALHO)
        y -= QR_CABECALHO + 1 * mm
        texto.paragrafo(direita, y, rotulo, 8.45, centro=True)
        texto.paragrafo(direita, y - 8.45, codigo, 10.4, centro=True)

    return _Bloco(altura, desenhar)


def _resumo(c: dict, e: _Estilos) -> list[_Bloco]:
    valor = (LARGURA - 2 * ROTULO) / 2
    situacao = e.status(c["situacao"], c["situacao_display"], negrito_sempre=True)
    pares = [
        ("Número de cadastro", e.corpo(c["numero_cadastro"]), "Situação", situacao),
        (
            "Situação MROSC",
            e.corpo(c["situacao_mrosc"]),
            "Possui impedimento",
            e.corpo(rotulo_impedimento(c["possui_impedimento"])),
        ),
        ("CADIN-MG", e.corpo(c["cadin"]), "SIAFI-MG", e.corpo(c["siafi"])),
    ]
    linhas = [
        _linha_de_tabela(
            [
                _celula(e.rotulo(r1), ROTULO, fundo=FUNDO_ROTULO),
                _celula(v1, valor),
                _celula(e.rotulo(r2), ROTULO, fundo=FUNDO_ROTULO),
                _celula(v2, valor),
            ]
        )
        for r1, v1, r2, v2 in pares
    ]
    if c["motivo_impedimento"]:
        motivo = [
            _celula(e.rotulo("Motivo do impedimento"), ROTULO, fundo=FUNDO_ROTULO),
            _celula(e.corpo(c["motivo_impedimento"]), LARGURA - ROTULO),
        ]
        linhas.append(_linha_de_tabela(motivo))
    return linhas


def _secao(titulo: str, e: _Estilos) -> _Bloco:
    """O h2: título com o fio embaixo, que não fica sozinho no pé da página (30 mm)."""
    linhas = [[Trecho(titulo, e.fontes.negrito, 10, TEXTO)]]
    altura = 13 + 2 + 1.5 * mm

    def desenhar(tela: Canvas, texto: "_Texto", topo: float) -> None:
        texto.paragrafo(ESQUERDA, topo, linhas, 13)
        tela.setStrokeColor(LINHA_QUADRO)
        tela.setLineWidth(0.4)
        tela.line(ESQUERDA, topo - 14.5, ESQUERDA + LARGURA, topo - 14.5)

    return _Bloco(altura, desenhar, antes=4 * mm, manter=30 * mm)


def _ficha(pares: list[tuple[str, Any]], e: _Estilos) -> list[_Bloco]:
    """Tabela de duas colunas: rótulo cinza e valor; linhas podem seguir na página seguinte."""
    return [
        _linha_de_tabela(
            [
                _celula(e.rotulo(rotulo), ROTULO, fundo=FUNDO_ROTULO),
                _celula(e.corpo(valor), LARGURA - ROTULO),
            ]
        )
        for rotulo, valor in pares
    ]


def _identificacao(c: dict, e: _Estilos) -> list[_Bloco]:
    return _ficha(
        [
            ("CNPJ", c["cnpj_formatado"]),
            ("Razão social", c["razao_social"]),
            ("Nome fantasia", c["nome_fantasia"]),
            ("Natureza jurídica", c["natureza_juridica"]),
            ("Gênero / Tipo", f"{c['genero']} / {c['tipo']}"),
            ("Endereço", c["endereco"]),
        ],
        e,
    )


def _representante(rl: dict | None, e: _Estilos) -> list[_Bloco]:
    if not rl:
        return [_aviso("Nenhum representante legal vinculado.", e)]
    pares = [
        ("Nome", rl["nome"]),
        ("Cargo", rl["cargo"]),
        ("Vencimento do mandato", rl["mandato_fim"]),
    ]
    return _ficha(pares, e)


def _aviso(texto: str, e: _Estilos) -> _Bloco:
    linhas = _quebrar(e.corpo(texto), LARGURA)
    altura = len(linhas) * 11.05 + 8.5

    def desenhar(tela: Canvas, texto: "_Texto", topo: float) -> None:
        texto.paragrafo(ESQUERDA, topo, linhas, 11.05)

    return _Bloco(altura, desenhar, antes=8.5)


def _obrigacoes(grupos: list[dict], e: _Estilos) -> list[_Bloco]:
    if not grupos:
        return [_aviso("O tipo deste parceiro não tem obrigações cadastradas.", e)]
    return [bloco for grupo in grupos for bloco in _grupo(grupo, e)]


def _grupo(grupo: dict, e: _Estilos) -> list[_Bloco]:
    """Uma tabela por grupo; as duas linhas de cabeçalho se repetem na página seguinte."""
    nome_largura = LARGURA - COL_STATUS - COL_VALIDADE
    faixa = _linha_de_tabela(
        [
            _celula(
                [Trecho(grupo["nome"] or "—", e.fontes.negrito, 8, CINZA_ROTULO)],
                LARGURA,
                fundo=FUNDO_GRUPO,
            )
        ]
    )
    titulos = _linha_de_tabela(
        [
            _celula(e.rotulo("Obrigação"), nome_largura, fundo=FUNDO_ROTULO),
            _celula(e.rotulo("Status"), COL_STATUS, fundo=FUNDO_ROTULO),
            _celula(e.rotulo("Validade"), COL_VALIDADE, fundo=FUNDO_ROTULO),
        ]
    )
    cabecalho = _Bloco(faixa.altura + titulos.altura, _em_sequencia(faixa, titulos))
    linhas = []
    for item in grupo["itens"]:
        nome = e.corpo(item["obrigacao"])
        if not item["obrigatoria"]:
            nome.append(e.pequeno("(não obrigatória)"))
        if item["mrosc"]:
            nome.append(e.pequeno("(MROSC)"))
        celulas = [
            _celula(nome, nome_largura, entrelinha=11.05),
            _celula(e.status(item["status"], item["status_display"]), COL_STATUS, partir=False),
            _celula(e.corpo(item["validade"]), COL_VALIDADE),
        ]
        linhas.append(_linha_de_tabela(celulas, cabecalho=cabecalho))
    cabecalho.antes = 1 * mm
    if linhas:  # o cabeçalho não fica sem a primeira linha no pé da página
        cabecalho.manter = cabecalho.altura + linhas[0].altura
    return [cabecalho, *linhas]


def _em_sequencia(*blocos: _Bloco) -> Callable[[Canvas, "_Texto", float], None]:
    def desenhar(tela: Canvas, texto: "_Texto", topo: float) -> None:
        for bloco in blocos:
            bloco.desenhar(tela, texto, topo)
            topo -= bloco.altura

    return desenhar


def _autenticidade(c: dict, e: _Estilos) -> _Bloco:
    """O quadro do fim: QR de 28 mm e os dados da emissão, inteiro numa página."""
    f = e.fontes
    emitido_em = c["emitido_em"]
    largura = LARGURA - COL_QR_QUADRO - 3 * mm - 2.5 * mm
    emitido = _quebrar(
        e.corpo(
            f"Emitido em {emitido_em:%d/%m/%Y} às {emitido_em:%H:%M:%S} (horário de Brasília). "
            "A situação é a da data e hora da emissão."
        ),
        largura,
    )
    codigo = _quebrar(
        [
            Trecho("Código de verificação:", f.normal, 8.5, TEXTO),
            Trecho(" " + c["codigo"], f.mono_negrito, 11, TEXTO),
        ],
        largura,
    )
    nota = _quebrar(
        [
            Trecho(
                f"Confira a autenticidade e a situação atual em {c['url_verificacao']} "
                "ou aponte a câmera para o código QR.",
                f.normal,
                7,
                CINZA_NOTA,
            )
        ],
        largura,
    )
    partes = [(emitido, 11.05), (codigo, 11.05), (nota, 9.1)]
    altura_texto = sum(len(linhas) * lead + 1.5 * mm for linhas, lead in partes)
    altura = max(QR_QUADRO, altura_texto) + 5 * mm

    def desenhar(tela: Canvas, texto: "_Texto", topo: float) -> None:
        tela.setStrokeColor(LINHA_QUADRO)
        tela.setLineWidth(0.5)
        tela.rect(ESQUERDA, topo - altura, LARGURA, altura, stroke=1, fill=0)
        _qr(tela, c["url_verificacao"], ESQUERDA + 2.5 * mm, topo - 2.5 * mm - QR_QUADRO, QR_QUADRO)
        y = topo - 2.5 * mm
        for linhas, entrelinha in partes:
            texto.paragrafo(ESQUERDA + COL_QR_QUADRO + 3 * mm, y, linhas, entrelinha)
            y -= len(linhas) * entrelinha + 1.5 * mm

    return _Bloco(altura, desenhar, antes=4 * mm)


# --- QR e rodapé -------------------------------------------------------------------------------
def _qr(tela: Canvas, url: str, x: float, y: float, lado: float) -> None:
    """O QR como um só caminho de retângulos (um por sequência de módulos escuros numa linha),
    escrito em coordenadas de módulo e escalado: rápido e sem frestas entre módulos."""
    n, operadores = _caminho_qr(url)
    tela.saveState()
    tela.translate(x, y)
    tela.scale(lado / n, lado / n)
    tela.setFillColor(colors.black)
    tela.addLiteral(operadores)
    tela.restoreState()


@functools.lru_cache(maxsize=16)
def _caminho_qr(url: str) -> tuple[int, str]:
    """(módulos por lado, operadores ``re``/``f`` do PDF); calculado uma vez por documento.

    O símbolo vem do zxing-cpp (C++, nível de correção M, a melhor das 8 máscaras): ~0,2 ms
    de CPU por código, contra ~3 ms do segno escolhendo a máscara (0,6 ms com ela fixa).
    """
    simbolo = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    imagem = simbolo.to_image(scale=1, add_quiet_zones=False)
    n = imagem.shape[0]
    # Um byte por módulo, linha a linha; 0 é escuro. O Image expõe o buffer (o protocolo de
    # buffer não está nas anotações do zxing-cpp).
    pixels = memoryview(imagem).tobytes()  # type: ignore[arg-type]
    retangulos = [
        f"{escuro.start() - y * n} {n - 1 - y} {escuro.end() - escuro.start()} 1 re"
        for y in range(n)
        for escuro in _ESCUROS.finditer(pixels, y * n, (y + 1) * n)
    ]
    return n, "\n".join(retangulos) + "\nf"


_ESCUROS = re.compile(rb"\x00+")  # uma sequência de módulos escuros numa linha


def _rodape(tela: Canvas, fontes: Fontes, numero: int, total: int) -> None:
    tela.setFont(fontes.normal, 7.5)
    tela.setFillColor(CINZA_RODAPE)
    tela.drawString(15 * mm, 8.1 * mm, RODAPE)
    tela.drawRightString(A4[0] - 15 * mm, 8.1 * mm, f"Página {numero} de {total}")


def _fuso(momento: Any) -> str:
    """O deslocamento no formato das datas do PDF: ``-03'00'``."""
    minutos = int(momento.utcoffset().total_seconds() // 60)
    sinal = "-" if minutos < 0 else "+"
    return f"{sinal}{abs(minutos) // 60:02d}'{abs(minutos) % 60:02d}'"
