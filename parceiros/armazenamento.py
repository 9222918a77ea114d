"""Limites de armazenamento: cota de envio por pessoa e varredura de arquivos órfãos.

A cota conta os envios na trilha de auditoria (``documento.anexado`` e ``documento.retido``,
com o tamanho), que é somente inclusão: remover um anexo, cancelar a solicitação e enviar
de novo não devolve a cota. A varredura apaga, nas pastas de documentos, arquivos que nenhuma linha
referencia (envio que falhou depois de gravar o arquivo, apagamento que não chegou ao
disco), depois de uma carência que protege o envio em andamento. Em todo o armazenamento,
``varrer_temporarios_e_vazios`` apaga os temporários de gravação de um processo morto no
meio (``cagec.lib.armazenamento``) e os arquivos de 0 byte que nenhuma linha referencia.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import Usuario
from cagec.core.models import RegistroAuditoria
from cagec.lib.armazenamento import eh_temporario, percorrer, referenciados
from cagec.lib.auditoria import registrar

from .erros import ErroDeParceiros
from .models import Documento

log = logging.getLogger(__name__)

# Pastas (no armazenamento de ``Documento.arquivo``) com os arquivos enviados pelas pessoas.
PASTAS_DE_DOCUMENTOS = ("documentos",)
_LOTE = 500
# Envios que contam na cota: anexados e retidos (datas erradas, arquivo guardado).
ACOES_DE_ENVIO = ("documento.anexado", "documento.retido")
MB = 1024 * 1024


class LimiteExcedido(ErroDeParceiros):
    """A pessoa passou de uma cota (envios, rascunhos abertos): a mensagem diz qual e até quando."""


def _janelas():
    return (
        (
            timedelta(hours=1),
            "na última hora",
            settings.DOCUMENTOS_POR_HORA,
            settings.DOCUMENTOS_MB_POR_HORA,
        ),
        (
            timedelta(days=1),
            "nas últimas 24 horas",
            settings.DOCUMENTOS_POR_DIA,
            settings.DOCUMENTOS_MB_POR_DIA,
        ),
    )


def _quando_libera(envios, janela, maximo_arquivos, maximo_bytes, tamanho):
    """Primeiro instante em que, saindo os envios mais antigos da janela, o novo cabe."""
    restantes = list(envios)
    while restantes:
        quando, _ = restantes.pop(0)
        soma = sum(t for _, t in restantes)
        if len(restantes) + 1 <= maximo_arquivos and soma + tamanho <= maximo_bytes:
            return quando + janela
    return None


def _formatar(instante, agora):
    local = timezone.localtime(instante)
    if local.date() == timezone.localtime(agora).date():
        return f"às {local:%H:%M}"
    return f"em {local:%d/%m} às {local:%H:%M}"


def conferir_cota_de_envio(
    usuario: Usuario, tamanho: int, *, agora: datetime | None = None
) -> None:
    """Recusa com ``LimiteExcedido`` um arquivo de ``tamanho`` bytes que passaria da cota.

    Chamado pelo serviço dentro da transação, com a linha da pessoa travada: dois envios
    simultâneos da mesma pessoa não passam juntos do limite.
    """
    agora = agora or timezone.now()
    maior_janela = max(j for j, *_ in _janelas())
    envios = sorted(
        (registro.created_at, int((registro.depois or {}).get("tamanho") or 0))
        for registro in RegistroAuditoria.objects.filter(
            acao__in=ACOES_DE_ENVIO, ator=usuario, created_at__gt=agora - maior_janela
        ).only("created_at", "depois")
    )
    for janela, quando, maximo_arquivos, maximo_mb in _janelas():
        na_janela = [(c, t) for c, t in envios if c > agora - janela]
        maximo_bytes = maximo_mb * MB
        soma = sum(t for _, t in na_janela)
        if len(na_janela) + 1 <= maximo_arquivos and soma + tamanho <= maximo_bytes:
            continue
        libera = _quando_libera(na_janela, janela, maximo_arquivos, maximo_bytes, tamanho)
        espera = (
            f" Você poderá enviar de novo {_formatar(libera, agora)}."
            if libera
            else " Reduza o arquivo e envie de novo."
        )
        raise LimiteExcedido(
            f"Limite de envio de documentos atingido: até {maximo_arquivos} arquivos e "
            f"{maximo_mb} MB {quando}.{espera} O que você já preencheu continua salvo.",
            code="cota",
        )


def conferir_rascunhos_abertos(abertos: int) -> None:
    """Recusa abrir mais uma solicitação quando a pessoa já tem o máximo em aberto."""
    maximo = settings.RASCUNHOS_ABERTOS_MAXIMO
    if abertos >= maximo:
        raise LimiteExcedido(
            f"Você já tem {abertos} solicitações em rascunho ou devolvidas (o máximo é "
            f"{maximo}). Conclua ou cancele uma delas no seu painel antes de começar outra.",
            code="rascunhos",
        )


# --- Varredura de órfãos ----------------------------------------------------------------------
def _arquivos(storage, pasta):
    """Nomes (relativos ao armazenamento) de todos os arquivos sob ``pasta``."""
    try:
        subpastas, arquivos = storage.listdir(pasta)
    except FileNotFoundError:
        return
    for nome in arquivos:
        yield f"{pasta}/{nome}"
    for sub in subpastas:
        yield from _arquivos(storage, f"{pasta}/{sub}")


def _em_lotes(iteravel, tamanho):
    lote = []
    for item in iteravel:
        lote.append(item)
        if len(lote) >= tamanho:
            yield lote
            lote = []
    if lote:
        yield lote


def varrer_arquivos_orfaos(*, agora=None, carencia=None, apagar=True):
    """Apaga os arquivos das pastas de documentos que nenhum ``Documento`` referencia.

    Só os modificados há mais de ``carencia`` (padrão ``ARQUIVOS_ORFAOS_CARENCIA_HORAS``):
    o arquivo de um envio em andamento é gravado antes do commit da linha. Com
    ``apagar=False`` só lista. Devolve os nomes (relativos ao armazenamento) encontrados.
    """
    agora = agora or timezone.now()
    if carencia is None:
        carencia = timedelta(hours=settings.ARQUIVOS_ORFAOS_CARENCIA_HORAS)
    limite = agora - carencia
    storage = Documento._meta.get_field("arquivo").storage
    orfaos = []
    for pasta in PASTAS_DE_DOCUMENTOS:
        for lote in _em_lotes(_arquivos(storage, pasta), _LOTE):
            referenciados = set(
                Documento.objects.filter(arquivo__in=lote).values_list("arquivo", flat=True)
            )
            for nome in lote:
                if nome in referenciados or storage.get_modified_time(nome) > limite:
                    continue
                # Confere de novo, um a um, logo antes de apagar: a linha pode ter sido
                # gravada entre a consulta do lote e agora.
                if Documento.objects.filter(arquivo=nome).exists():
                    continue
                if apagar:
                    storage.delete(nome)
                orfaos.append(nome)
    if orfaos and apagar:
        log.warning("Varredura: %d arquivo(s) sem documento apagado(s)", len(orfaos))
        registrar(
            "documento.orfaos_apagados",
            descricao=f"{len(orfaos)} arquivo(s) sem documento apagado(s) pela varredura",
            depois={"arquivos": orfaos[:200]},
        )
    return orfaos


def _apagou(storage, nome):
    try:
        storage.delete(nome)
    except OSError as erro:
        log.warning("Varredura: %s não apagado (%s); fica para a próxima", nome, erro)
        return False
    return True


def varrer_temporarios_e_vazios(*, agora=None, apagar=True):
    """Apaga, em todo o armazenamento, temporários de gravação (``.parcial-*.tmp``) mais
    velhos que ``ARQUIVOS_TEMPORARIOS_CARENCIA_HORAS`` e arquivos de 0 byte mais velhos que
    ``ARQUIVOS_ORFAOS_CARENCIA_HORAS`` que nenhuma linha (de nenhum ``FileField``) referencia.

    Um arquivo de 0 byte com linha no banco fica (é registro; o log avisa). Idempotente:
    a segunda passada não acha nada. Devolve os nomes encontrados.
    """
    agora = agora or timezone.now()
    limite_temporario = agora - timedelta(hours=settings.ARQUIVOS_TEMPORARIOS_CARENCIA_HORAS)
    limite_vazio = agora - timedelta(hours=settings.ARQUIVOS_ORFAOS_CARENCIA_HORAS)
    storage = Documento._meta.get_field("arquivo").storage
    temporarios, vazios = [], []
    for arquivo in percorrer(storage):
        if eh_temporario(arquivo.nome):
            if arquivo.modificado_em <= limite_temporario:
                temporarios.append(arquivo.nome)
        elif not arquivo.tamanho and arquivo.modificado_em <= limite_vazio:
            vazios.append(arquivo.nome)
    com_linha = set()
    for lote in _em_lotes(vazios, _LOTE):
        com_linha |= referenciados(lote, storage)
    if com_linha:
        log.warning(
            "Varredura: %d arquivo(s) de 0 byte com linha no banco (ficam): %s",
            len(com_linha),
            sorted(com_linha)[:20],
        )
    sobras = temporarios + [nome for nome in vazios if nome not in com_linha]
    if sobras and apagar:
        sobras = [nome for nome in sobras if _apagou(storage, nome)]
    if sobras and apagar:
        log.warning("Varredura: %d temporário(s)/vazio(s) apagado(s)", len(sobras))
        registrar(
            "documento.orfaos_apagados",
            descricao=f"{len(sobras)} temporário(s) ou arquivo(s) de 0 byte apagado(s)",
            depois={"arquivos": sobras[:200]},
        )
    return sobras
