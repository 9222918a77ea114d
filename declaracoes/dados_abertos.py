"""Dados abertos (issue #16): o cadastro inteiro em CSV e JSON Lines, um arquivo por dia.

Os Parceiros são os que a consulta pública lista (``consulta.buscar``), com as colunas da
exportação da consulta (mesmas palavras: ``formatar_cnpj``, rótulo da situação,
``rotulo_impedimento``) mais número de cadastro, desde quando vale a situação, CADIN-MG,
SIAFI-MG e o motivo do impedimento. Nunca um CPF nem dado de pessoa.

Geração em fluxo, memória constante com 100 000 Parceiros:

* leitura em lotes por chave (``pk > último``, ``LOTE`` linhas de ``values_list``), numa
  transação ``REPEATABLE READ`` no PostgreSQL (um retrato só do cadastro). Não é
  ``.iterator()``: com ``DISABLE_SERVER_SIDE_CURSORS`` (PgBouncer), o psycopg traria o
  resultado inteiro para a memória antes da primeira linha;
* cada lote é escrito nos dois temporários (CSV e JSON Lines) ao mesmo tempo, com o SHA-256,
  o tamanho e a contagem calculados enquanto escreve;
* cada temporário entra no armazenamento pelo ``ArmazenamentoAtomico`` (cópia com ``fsync``
  e ``link``: nunca um arquivo pela metade com o nome final) e só então a linha
  ``ArquivoDadosAbertos`` é gravada ou trocada (um por dia e formato; o arquivo anterior do
  mesmo dia é apagado depois do commit).

Guarda o arquivo de hoje e os dos ``DIAS_GUARDADOS`` dias anteriores: as linhas mais velhas
são apagadas primeiro e os arquivos depois do commit (nenhuma linha aponta para um arquivo
que não existe); um arquivo de ``PASTA`` sem linha (apagamento que falhou) vai embora na
geração seguinte. Duas gerações ao mesmo tempo: a segunda é recusada pela trava
``cagec.lib.travas.exclusiva`` (``GeracaoEmAndamento``).
"""

import csv
import hashlib
import io
import json
import tempfile
from collections.abc import Generator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import Storage
from django.db import connection, transaction
from django.utils import timezone

from cagec.lib import travas
from cagec.lib.armazenamento import apagar_sem_falhar, eh_temporario, percorrer, referenciados

from . import consulta
from . import dados_abertos_colunas as colunas
from .models import ArquivoDadosAbertos

DIAS_GUARDADOS = 30
PASTA = "dados-abertos"
TRAVA = "declaracoes:dados_abertos"
LOTE = 2000
SEPARADOR = ";"
BOM = "\ufeff"  # o Excel em português abre o CSV em UTF-8 com acentos
CARENCIA_DO_ARQUIVO_SEM_LINHA = timedelta(hours=1)
TIPOS_DE_CONTEUDO: dict[str, str] = {
    ArquivoDadosAbertos.Formato.CSV: "text/csv; charset=utf-8",
    ArquivoDadosAbertos.Formato.JSONL: "application/jsonl; charset=utf-8",
}
LICENCA = "Creative Commons Atribuição 4.0 Internacional (CC BY 4.0)"
LICENCA_URL = "https://creativecommons.org/licenses/by/4.0/deed.pt_BR"


class GeracaoEmAndamento(Exception):
    """Outro processo está gerando os dados abertos agora."""

    mensagem = "Outra geração dos dados abertos está em andamento; nada foi feito."


# --- Registros ------------------------------------------------------------------------------
def _linhas_do_banco() -> Generator[tuple[Any, ...], None, None]:
    """As tuplas de ``colunas.CAMPOS`` de todos os Parceiros da consulta, por lotes de chave."""
    qs = consulta.buscar({}).order_by("pk").values_list(*colunas.CAMPOS)
    # Dentro de outra transação (testes) o isolamento já foi decidido por ela.
    isolar = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic(savepoint=False):
        if isolar:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        ultimo = 0
        while lote := list(qs.filter(pk__gt=ultimo)[:LOTE]):
            yield from lote
            ultimo = lote[-1][0]


# --- Escrita --------------------------------------------------------------------------------
@dataclass
class Saida:
    """Um temporário em escrita, com o SHA-256, o tamanho e as linhas contados ao escrever."""

    formato: str
    arquivo: IO[bytes]
    sha256: Any = field(default_factory=hashlib.sha256)
    tamanho: int = 0
    linhas: int = 0

    def escrever(self, texto: str, linhas: int = 0) -> None:
        dados = texto.encode("utf-8")
        self.arquivo.write(dados)
        self.sha256.update(dados)
        self.tamanho += len(dados)
        self.linhas += linhas


def escrever(csv_saida: Saida, jsonl_saida: Saida) -> None:
    """Todos os Parceiros nos dois temporários, lote a lote (a memória não cresce)."""
    texto_csv = io.StringIO()
    escritor = csv.writer(texto_csv, delimiter=SEPARADOR, lineterminator="\r\n")
    escritor.writerow(colunas.NOMES)
    csv_saida.escrever(BOM + texto_csv.getvalue())
    _esvaziar(texto_csv)
    texto_json: list[str] = []
    pendentes = 0
    # closing: um erro no meio fecha já a transação da leitura (não espera o coletor).
    with closing(_linhas_do_banco()) as linhas:
        for linha in linhas:
            dados = colunas.registro(linha)
            escritor.writerow([colunas.celula_csv(v) for v in dados.values()])
            texto_json.append(json.dumps(dados, ensure_ascii=False, separators=(",", ":")))
            pendentes += 1
            if pendentes == LOTE:
                _descarregar(csv_saida, jsonl_saida, texto_csv, texto_json, pendentes)
                pendentes = 0
    _descarregar(csv_saida, jsonl_saida, texto_csv, texto_json, pendentes)


def _descarregar(
    csv_saida: Saida, jsonl_saida: Saida, texto_csv: io.StringIO, texto_json: list[str], n: int
) -> None:
    if not n:
        return
    csv_saida.escrever(texto_csv.getvalue(), n)
    jsonl_saida.escrever("".join(f"{t}\n" for t in texto_json), n)
    _esvaziar(texto_csv)
    texto_json.clear()


def _esvaziar(texto: io.StringIO) -> None:
    texto.seek(0)
    texto.truncate()


# --- Publicação -----------------------------------------------------------------------------
@dataclass
class Geracao:
    """O que uma geração publicou e quantos arquivos velhos apagou."""

    arquivos: list[ArquivoDadosAbertos]
    apagados: int


def gerar() -> Geracao:
    """Gera e publica o CSV e o JSON Lines de hoje e apaga os velhos.

    Idempotente por dia: rodar de novo troca os arquivos do dia (uma linha por formato).
    Outra geração em andamento: ``GeracaoEmAndamento``, sem tocar em nada. ``gerado_em`` é o
    início da leitura (o retrato do cadastro que os arquivos trazem).
    """
    agora = timezone.now()
    dia = timezone.localdate(agora)
    with travas.exclusiva(TRAVA) as obtida:
        if not obtida:
            raise GeracaoEmAndamento(GeracaoEmAndamento.mensagem)
        with _temporario("csv") as csv_tmp, _temporario("jsonl") as jsonl_tmp:
            saidas = [Saida(ArquivoDadosAbertos.Formato.CSV, csv_tmp)]
            saidas.append(Saida(ArquivoDadosAbertos.Formato.JSONL, jsonl_tmp))
            escrever(*saidas)
            arquivos = [_publicar(dia, agora, saida) for saida in saidas]
        return Geracao(arquivos, apagar_antigos(dia))


def _temporario(formato: str) -> IO[bytes]:
    return tempfile.NamedTemporaryFile(prefix="cagec-dados-abertos-", suffix=f".{formato}")


def _publicar(dia: date, agora: datetime, saida: Saida) -> ArquivoDadosAbertos:
    """Copia o temporário para o armazenamento (atômico) e grava ou troca a linha do dia."""
    novo = ArquivoDadosAbertos(
        dia=dia,
        formato=saida.formato,
        gerado_em=agora,
        tamanho=saida.tamanho,
        linhas=saida.linhas,
        sha256=saida.sha256.hexdigest(),
    )
    saida.arquivo.flush()
    saida.arquivo.seek(0)
    novo.arquivo.save(novo.nome_para_baixar, File(saida.arquivo), save=False)
    try:
        return _gravar_linha(novo)
    except BaseException:
        apagar_sem_falhar(_armazenamento(), novo.arquivo.name)
        raise


def _gravar_linha(novo: ArquivoDadosAbertos) -> ArquivoDadosAbertos:
    with transaction.atomic():
        anterior = (
            ArquivoDadosAbertos.objects.select_for_update()
            .filter(dia=novo.dia, formato=novo.formato)
            .first()
        )
        if anterior is None:
            novo.save()
            return novo
        nome_antigo = anterior.arquivo.name
        novo.pk = anterior.pk
        novo.save(force_update=True)
        transaction.on_commit(lambda: apagar_sem_falhar(_armazenamento(), nome_antigo))
        return novo


def _armazenamento() -> Storage:
    return ArquivoDadosAbertos._meta.get_field("arquivo").storage


def apagar_antigos(hoje: date) -> int:
    """Apaga as linhas de antes de ``hoje - DIAS_GUARDADOS`` e, depois do commit, os arquivos.

    Também apaga arquivos de ``PASTA`` sem linha há mais de uma hora (um apagamento que
    falhou numa geração anterior). Devolve quantas linhas apagou.
    """
    limite = hoje - timedelta(days=DIAS_GUARDADOS)
    with transaction.atomic():
        velhos = ArquivoDadosAbertos.objects.select_for_update().filter(dia__lt=limite)
        nomes = list(velhos.values_list("arquivo", flat=True))
        velhos.delete()
        transaction.on_commit(lambda: _apagar_arquivos(nomes))
    _apagar_arquivos(_sem_linha())
    return len(nomes)


def _apagar_arquivos(nomes: list[str]) -> None:
    for nome in nomes:
        apagar_sem_falhar(_armazenamento(), nome)


def _sem_linha() -> list[str]:
    """Arquivos de ``PASTA`` que nenhuma linha referencia, mais velhos que a carência."""
    armazenamento = _armazenamento()
    antes_de = timezone.now() - CARENCIA_DO_ARQUIVO_SEM_LINHA
    candidatos = [
        guardado.nome
        for guardado in percorrer(armazenamento, PASTA)
        if guardado.modificado_em < antes_de and not eh_temporario(guardado.nome)
    ]
    if not candidatos:
        return []
    usados = referenciados(candidatos, armazenamento)
    return [nome for nome in candidatos if nome not in usados]


# --- Página -----------------------------------------------------------------------------------
@dataclass
class DiaPublicado:
    dia: date
    arquivos: list[ArquivoDadosAbertos]


def publicados() -> list[DiaPublicado]:
    """Os dias com arquivos publicados, do mais novo ao mais velho (CSV antes do JSON)."""
    dias: dict[date, list[ArquivoDadosAbertos]] = {}
    for arquivo in ArquivoDadosAbertos.objects.order_by("-dia", "formato"):
        dias.setdefault(arquivo.dia, []).append(arquivo)
    return [DiaPublicado(dia, arquivos) for dia, arquivos in dias.items()]
