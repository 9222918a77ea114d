"""Verificação de autenticidade (produto.md §5.3): por código ou pelo próprio PDF.

Caminho frio barato (issue #15): quem verifica escaneia o QR uma vez, então nada de cache de
página. A parte fixa da página (Parceiro, itens, signatário, hashes) é gravada na emissão do
CRC e na assinatura da declaração (``resumo_html``); o pedido faz **uma** consulta, que
procura nas duas tabelas ao mesmo tempo (``UNION ALL``: achando ou não, o mesmo trabalho,
e o tempo de resposta não diz onde parou) e traz só as colunas que a página mostra mais o
que muda depois da emissão: a situação de hoje do Parceiro e a revogação.

Linhas emitidas antes do ``resumo_html`` são completadas no primeiro pedido (uma vez).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from cagec.lib import compiladas
from cagec.lib.arquivos import sha256_do_arquivo
from parceiros.models import Parceiro

from .models import Certificado, Declaracao

MARCADOR_SITUACAO_HOJE = "<!--cagec:situacao-hoje-->"
_COLUNAS = {"codigo", "sha256_pdf"}


def _sql(coluna: str) -> str:
    c, d = Certificado._meta.db_table, Declaracao._meta.db_table
    p = Parceiro._meta.db_table
    # Só nomes de tabela do próprio modelo e ``coluna`` de _COLUNAS: nada vem do pedido.
    return (
        "SELECT 'crc', c.id, c.codigo, c.revogado_em,"  # noqa: S608  # nosec B608
        " c.motivo_revogacao, c.resumo_html, c.pdf, c.situacao, p.situacao, p.cnpj"
        f" FROM {c} c JOIN {p} p ON p.id = c.parceiro_id WHERE c.{coluna} = %s"
        " UNION ALL"
        " SELECT 'declaracao', d.id, d.codigo, d.revogada_em, d.motivo_revogacao,"
        f" d.resumo_html, d.pdf, '', '', d.cnpj FROM {d} d WHERE d.{coluna} = %s"
        " ORDER BY 1 LIMIT 1"
    )


_CONSULTAS = {coluna: _sql(coluna) for coluna in _COLUNAS}


@dataclass(frozen=True)
class Resultado:
    """O que a página de verificação mostra de um documento (vazio: não encontrado)."""

    origem: str = ""  # "crc" | "declaracao" | "" (não encontrado)
    pk: int = 0
    codigo: str = ""
    revogado_em: datetime | None = None
    motivo_revogacao: str = ""
    resumo_html: str = ""
    pdf: str = ""  # nome do original no armazenamento
    situacao_na_emissao: str = ""
    situacao_hoje: str = ""
    cnpj: str = ""

    @property
    def encontrado(self) -> bool:
        return bool(self.origem)

    @property
    def e_crc(self) -> bool:
        return self.origem == "crc"

    @property
    def revogado(self) -> bool:
        return self.revogado_em is not None

    @property
    def resumo(self) -> SafeString:
        """A parte fixa gravada na emissão com a situação de hoje no lugar do marcador."""
        html = self.resumo_html or _completar_resumo(self)
        if self.e_crc:
            html = html.replace(MARCADOR_SITUACAO_HOJE, _situacao_hoje(self), 1)
        return mark_safe(html)  # noqa: S308  # nosec B308 B703 — escapado pelos templates


def _procurar(coluna: str, valor: str) -> Resultado:
    linhas = compiladas.executar(_CONSULTAS[coluna], [valor, valor])
    if not linhas:
        return Resultado()
    linha = linhas[0]
    origem, pk, codigo, revogado_em, motivo, resumo, pdf, na_emissao, hoje, cnpj = linha
    return Resultado(
        origem, pk, codigo, _momento(revogado_em), motivo, resumo, pdf, na_emissao, hoje, cnpj
    )


def _momento(valor: datetime | str | None) -> datetime | None:
    """A data da revogação como o ORM a daria (no SQLite a consulta crua devolve texto UTC)."""
    if isinstance(valor, str):
        valor = parse_datetime(valor)
    if valor is not None and timezone.is_naive(valor):
        valor = timezone.make_aware(valor, UTC)
    return valor


def por_codigo(codigo: str) -> Resultado:
    """``codigo`` já normalizado (``cagec.lib.codigos.normalizar_codigo``)."""
    return _procurar("codigo", codigo) if codigo else Resultado()


def por_arquivo(arquivo) -> Resultado:
    """O arquivo enviado é idêntico (byte a byte, pelo SHA-256) a um original?"""
    return _procurar("sha256_pdf", sha256_do_arquivo(arquivo))


def titulo(resultado: Resultado, *, arquivo_conferido: bool | None = None) -> str:
    """O ``<title>`` da página acompanha o ``<h1>`` (leitores de tela leem primeiro a aba)."""
    if not resultado.encontrado:
        return "Arquivo não confere" if arquivo_conferido else "Código não encontrado"
    return "Documento revogado" if resultado.revogado else "Documento autêntico"


# --- Parte fixa da página ---------------------------------------------------------------------


def resumo_do_certificado(certificado: Certificado) -> str:
    contexto = {"c": certificado, "s": certificado.snapshot}
    return render_to_string("declaracoes/_resumo_crc.html", contexto)


def resumo_da_declaracao(declaracao: Declaracao) -> str:
    return render_to_string("declaracoes/_resumo_declaracao.html", {"d": declaracao})


def _completar_resumo(resultado: Resultado) -> str:
    """Documento emitido antes do ``resumo_html``: calcula uma vez e guarda."""
    if resultado.e_crc:
        certificado = Certificado.objects.get(pk=resultado.pk)
        html = resumo_do_certificado(certificado)
        Certificado.objects.filter(pk=resultado.pk).update(resumo_html=html)
    else:
        declaracao = Declaracao.objects.get(pk=resultado.pk)
        html = resumo_da_declaracao(declaracao)
        Declaracao.objects.filter(pk=resultado.pk).update(resumo_html=html)
    return html


def _situacao_hoje(resultado: Resultado) -> str:
    hoje = resultado.situacao_hoje
    regular = hoje == Parceiro.Situacao.REGULAR
    selo = format_html(
        '<span class="badge {}">{}</span>',
        "text-bg-success" if regular else "text-bg-danger",
        Parceiro.Situacao(hoje).label,
    )
    if hoje == resultado.situacao_na_emissao:
        return selo
    return format_html(
        '{}<span class="small"> — mudou depois da emissão; <a href="{}">emita um CRC '
        "atualizado</a>.</span>",
        selo,
        reverse("declaracoes:crc", args=[resultado.cnpj]),
    )
