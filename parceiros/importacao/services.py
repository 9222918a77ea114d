"""Ciclo de vida de uma ``ImportacaoCadastro``: a única casa das suas transições."""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from accounts.models import Usuario
from cagec.lib import fila, travas
from cagec.lib.armazenamento import apagar_sem_falhar
from cagec.lib.arquivos import nome_de_arquivo_enviado
from cagec.lib.auditoria import registrar

from .. import situacao, tasks
from ..erros import ErroDeParceiros
from ..erros import TransicaoInvalida as TransicaoInvalida  # reexportada pelo pacote
from ..models import ImportacaoCadastro
from .leitura import (
    COLUNAS,
    COLUNAS_ORGANIZACAO,
    COLUNAS_PESSOA,
    ArquivoInvalido,
    ler,
)
from .processamento import Processamento
from .validacao import Catalogo

log = logging.getLogger(__name__)
Status = ImportacaoCadastro.Status


class OutraImportacaoGravando(ErroDeParceiros):
    """Outra importação está gravando agora: esta espera (a task tenta de novo)."""


# O nome é o de antes da mudança para ``parceiros``: durante uma implantação, a versão antiga
# e a nova disputam a mesma trava.
TRAVA = "accounts.importacao.gravacao"
MENSAGEM_ESPERANDO = "Aguardando o fim de outra importação que está gravando agora."


# --- Ciclo de vida ---------------------------------------------------------------------------
_TRANSICOES: dict[str, set[str]] = {
    Status.AGUARDANDO: {Status.VALIDANDO},
    Status.VALIDANDO: {Status.PRONTA, Status.FALHOU},
    Status.PRONTA: {Status.IMPORTANDO},
    Status.IMPORTANDO: {Status.CONCLUIDA, Status.FALHOU},
    Status.FALHOU: {Status.IMPORTANDO},
    Status.CONCLUIDA: set(),
}


def _transicionar(importacao: ImportacaoCadastro, para: str, **campos: Any) -> None:
    """Aplica uma transição da tabela (a linha já está travada pelo chamador)."""
    if para not in _TRANSICOES[importacao.status]:
        raise TransicaoInvalida(
            f"Uma importação {importacao.get_status_display().lower()} não pode ficar "
            f"{Status(para).label.lower()}."
        )
    importacao.status = para
    for nome, valor in campos.items():
        setattr(importacao, nome, valor)
    importacao.save(update_fields=["status", *campos])


def _travar(importacao_id: int) -> ImportacaoCadastro:
    return ImportacaoCadastro.objects.select_for_update().get(pk=importacao_id)


def _nome(arquivo: "File[Any]") -> str:
    nome: str = nome_de_arquivo_enviado(arquivo.name)
    return nome


def criar_importacao(
    arquivo: "File[Any]",
    *,
    organizacoes: "File[Any] | None" = None,
    ator: Usuario | None = None,
    agendar: bool = True,
) -> ImportacaoCadastro:
    """Guarda o(s) arquivo(s) enviado(s) e agenda a prévia (validação sem gravar nada).

    ``arquivo``: um ``File`` (upload do admin ou arquivo local do comando) com pessoas,
    organizações e mandatos; ou, com ``organizacoes`` (outro ``File``, as colunas das
    organizações por CNPJ), só as pessoas, o CNPJ e o mandato. Com ``agendar`` a prévia vai
    para a fila depois do commit; sem, quem chama roda ``validar``.
    """
    nome = _nome(arquivo)
    importacao = ImportacaoCadastro(nome=nome, criado_por=_ator(ator))
    try:
        with transaction.atomic():
            importacao.arquivo.save(nome, arquivo, save=False)
            if organizacoes is not None:
                importacao.nome_organizacoes = _nome(organizacoes)
                importacao.arquivo_organizacoes.save(
                    importacao.nome_organizacoes, organizacoes, save=False
                )
            importacao.save()
            if agendar:
                fila.publicar_depois_do_commit(tasks.validar_importacao, [importacao.pk])
    except BaseException:
        # Disco cheio no segundo arquivo, banco fora no save: o primeiro não fica órfão.
        for campo in (importacao.arquivo, importacao.arquivo_organizacoes):
            if campo:
                apagar_sem_falhar(campo.storage, campo.name)
        raise
    return importacao


def validar(importacao_id: int) -> ImportacaoCadastro:
    """Prévia: aguardando → validando → pronta (contagens e erros) ou falhou (arquivo ruim).

    Idempotente: uma importação que já passou da validação não é validada de novo.
    """
    with transaction.atomic():
        importacao = _travar(importacao_id)
        if importacao.status not in (Status.AGUARDANDO, Status.VALIDANDO):
            return importacao
        if importacao.status == Status.AGUARDANDO:
            _transicionar(importacao, Status.VALIDANDO, processadas=0)
    try:
        processamento = _processar_arquivo(importacao, gravar=False)
    except ArquivoInvalido as erro:
        return _falhar(importacao.pk, str(erro))
    with transaction.atomic():
        importacao = _encerrar_etapa(
            importacao_id,
            processamento,
            Status.PRONTA,
            contagens=processamento.contagens,
            total=processamento.contagens["linhas"],
        )
    return importacao


def confirmar(
    importacao: ImportacaoCadastro,
    *,
    ator: Usuario | None = None,
    agendar: bool = True,
    ip: str | None = None,
) -> ImportacaoCadastro:
    """Pronta (ou falhou depois da prévia) → importando; a gravação vai para a fila."""
    with transaction.atomic():
        importacao = _travar(importacao.pk)
        if importacao.status == Status.FALHOU and not importacao.contagens:
            raise TransicaoInvalida("O arquivo não passou na validação: envie um arquivo novo.")
        _transicionar(
            importacao,
            Status.IMPORTANDO,
            confirmado_por=_ator(ator),
            iniciada_em=timezone.now(),
            processadas=0,
            mensagem="",
        )
        registrar(
            "importacao.confirmada",
            objeto=importacao,
            ator=ator,
            descricao=f"Importação nº {importacao.pk} ({importacao.nome})",
            depois=importacao.contagens,
            ip=ip,
        )
        if agendar:
            fila.publicar_depois_do_commit(tasks.importar_cadastro, [importacao.pk])
    return importacao


def executar(importacao_id: int) -> ImportacaoCadastro:
    """Importando → concluida: grava tudo, lote a lote, e recalcula a situação dos afetados.

    Idempotente: concluída não roda de novo; uma importação interrompida (worker morto)
    roda do começo e só grava o que ainda falta.
    """
    importacao = ImportacaoCadastro.objects.get(pk=importacao_id)
    if importacao.status != Status.IMPORTANDO:
        return importacao
    # Duas gravações ao mesmo tempo disputariam os mesmos CPFs/CNPJs e a numeração do
    # cadastro: uma de cada vez; a outra espera (``OutraImportacaoGravando``).
    with travas.exclusiva(TRAVA) as obtida:
        if not obtida:
            ImportacaoCadastro.objects.filter(pk=importacao_id).update(mensagem=MENSAGEM_ESPERANDO)
            raise OutraImportacaoGravando(MENSAGEM_ESPERANDO)
        ImportacaoCadastro.objects.filter(pk=importacao_id).update(mensagem="")
        processamento = _gravar(importacao)
    if processamento is None:
        return ImportacaoCadastro.objects.get(pk=importacao_id)
    with transaction.atomic():
        importacao = _encerrar_etapa(
            importacao_id,
            processamento,
            Status.CONCLUIDA,
            resultado=processamento.contagens,
            concluida_em=timezone.now(),
        )
        registrar(
            "importacao.concluida",
            objeto=importacao,
            ator=importacao.confirmado_por,
            descricao=f"Importação nº {importacao.pk} ({importacao.nome})",
            depois=processamento.contagens,
        )
    return importacao


def _gravar(importacao: ImportacaoCadastro) -> Processamento | None:
    """Grava os lotes e recalcula a situação; None (e a importação falhou) se deu errado."""
    try:
        processamento = _processar_arquivo(importacao, gravar=True)
        if processamento.tipos_afetados:
            situacao.recalcular_todos(
                motivo="Importação de cadastro", tipos=sorted(processamento.tipos_afetados)
            )
    except ArquivoInvalido as erro:
        _falhar(importacao.pk, str(erro))
        return None
    except Exception:
        log.exception("Importação %s falhou", importacao.pk)
        _falhar(
            importacao.pk,
            "Erro inesperado durante a importação. Os lotes já gravados ficam; confirme de "
            "novo para completar (nada é duplicado).",
        )
        return None
    return processamento


def desistir_de_esperar(importacao_id: int) -> ImportacaoCadastro:
    """A outra importação não terminou a tempo: esta falha e pode ser confirmada de novo."""
    return _falhar(
        importacao_id,
        "Outra importação ficou gravando por tempo demais. Nada desta foi gravado; confirme "
        "de novo quando a outra terminar.",
    )


def importar_arquivo(
    arquivo: "File[Any]",
    *,
    organizacoes: "File[Any] | None" = None,
    ator: Usuario | None = None,
    confirmar_importacao: bool = False,
    espera: float = 5,
    limite: float = 7200,
) -> ImportacaoCadastro:
    """Prévia (e, se pedido, a importação) no próprio processo: comando e testes.

    Com outra importação gravando, espera ``espera`` segundos entre tentativas, até ``limite``.
    """
    importacao = criar_importacao(arquivo, organizacoes=organizacoes, ator=ator, agendar=False)
    importacao = validar(importacao.pk)
    if confirmar_importacao and importacao.status == Status.PRONTA:
        confirmar(importacao, ator=ator, agendar=False)
        prazo = time.monotonic() + limite
        while True:
            try:
                importacao = executar(importacao.pk)
                break
            except OutraImportacaoGravando:
                if time.monotonic() >= prazo:
                    importacao = desistir_de_esperar(importacao.pk)
                    break
                time.sleep(espera)
    importacao.refresh_from_db()
    return importacao


def _falhar(importacao_id: int, mensagem: str) -> ImportacaoCadastro:
    with transaction.atomic():
        importacao = _travar(importacao_id)
        _transicionar(importacao, Status.FALHOU, mensagem=mensagem)
    return importacao


def _ator(ator: Usuario | None) -> Usuario | None:
    return ator if getattr(ator, "is_authenticated", False) else None


def _encerrar_etapa(
    importacao_id: int, processamento: Processamento, para: str, **campos: Any
) -> ImportacaoCadastro:
    """Fim da prévia ou da gravação (numa transação): CSV de erros, contagens e transição."""
    importacao = _travar(importacao_id)
    _guardar_erros(importacao, processamento)
    _transicionar(
        importacao,
        para,
        processadas=processamento.contagens["linhas"],
        primeiros_erros=processamento.primeiros_erros,
        total_erros=processamento.total_erros,
        arquivo_erros=importacao.arquivo_erros,
        **campos,
    )
    return importacao


def _guardar_erros(importacao: ImportacaoCadastro, processamento: Processamento) -> None:
    """Grava o CSV de erros novo e só depois do commit apaga o anterior: com o disco cheio
    (ou a transação desfeita) a linha continua apontando para um arquivo que existe."""
    anterior = importacao.arquivo_erros.name or ""
    processamento.arquivo_erros.seek(0)
    importacao.arquivo_erros.save(
        f"erros-importacao-{importacao.pk}.csv", File(processamento.arquivo_erros), save=False
    )
    processamento.arquivo_erros.close()
    if anterior and anterior != importacao.arquivo_erros.name:
        storage = importacao.arquivo_erros.storage
        transaction.on_commit(lambda: apagar_sem_falhar(storage, anterior))


def _processar_arquivo(importacao: ImportacaoCadastro, *, gravar: bool) -> Processamento:
    processamento = Processamento(Catalogo.carregar(), gravar=gravar, importacao=importacao)
    exigidas: tuple[str, ...] = COLUNAS
    if importacao.arquivo_organizacoes:
        exigidas = COLUNAS_PESSOA
        with importacao.arquivo_organizacoes.open("rb") as arquivo, _do_arquivo(importacao, True):
            _, linhas = ler(arquivo, importacao.nome_organizacoes, COLUNAS_ORGANIZACAO)
            processamento.indexar_organizacoes(linhas)
    with importacao.arquivo.open("rb") as arquivo, _do_arquivo(importacao, False):
        total, linhas = ler(arquivo, importacao.nome, exigidas)
        ImportacaoCadastro.objects.filter(pk=importacao.pk).update(total=total, processadas=0)
        processamento.total = total
        processamento.executar(linhas)
    return processamento


@contextmanager
def _do_arquivo(importacao: ImportacaoCadastro, de_organizacoes: bool) -> Iterator[None]:
    """Com dois arquivos, o erro do arquivo inteiro diz de qual deles é."""
    try:
        yield
    except ArquivoInvalido as erro:
        if not importacao.arquivo_organizacoes:
            raise
        qual = "de organizações" if de_organizacoes else "de pessoas"
        nome = importacao.nome_organizacoes if de_organizacoes else importacao.nome
        raise ArquivoInvalido(f"Arquivo {qual} ({nome}): {erro}") from erro
