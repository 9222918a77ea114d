"""Envio das entregas de webhook, no molde da caixa de saída de e-mails (``cagec.lib.entrega``).

1. **Reivindicar**: numa transação curta, *pendente* cuja vez chegou vira *enviando* com uma
   ``reivindicacao`` (uuid), ``select_for_update(skip_locked)``; COMMIT antes do POST: outra
   tarefa (repetida, a varredura) não pega a mesma linha.
2. **Enviar**: POST JSON assinado (``X-Cagec-Assinatura``), com ``X-Cagec-Entrega`` igual em
   toda tentativa (o cliente descarta repetidas). Conecta ao IP conferido por
   ``api.enderecos`` (5 s para conectar, 10 s para a resposta), sem seguir redirecionamento.
3. **Desfecho**: 2xx → *entregue*; outra resposta ou erro de rede → *pendente* com espera
   exponencial, até ``API_WEBHOOK_MAX_TENTATIVAS``, depois *falhou*; chave revogada ou webhook
   desativado → *cancelada* (nada é enviado).
4. **Reconciliar** (varredura do beat): *enviando* há mais que ``API_WEBHOOK_RECONCILIAR_APOS``
   (o worker morreu no meio) volta a *pendente*; o reenvio leva o mesmo ``X-Cagec-Entrega``.
"""

import hashlib
import hmac
import http.client
import json
import logging
import random
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import enderecos
from .models import EntregaWebhook

log = logging.getLogger(__name__)
Status = EntregaWebhook.Status

TEMPO_PARA_CONECTAR = 5.0
TEMPO_PARA_RESPONDER = 10.0
CAUSAS = (("cadin_bloqueado", "CADIN-MG"), ("siafi_bloqueado", "SIAFI-MG"))


@dataclass(frozen=True)
class Resposta:
    codigo: int
    corpo: str


# --- O que vai no POST -----------------------------------------------------------------------


def corpo(entrega: EntregaWebhook) -> bytes:
    causas = [nome for campo, nome in CAUSAS if getattr(entrega, campo)]
    dados = {
        "evento": entrega.evento,
        "cnpj": entrega.cnpj,
        "situacao_anterior": entrega.situacao_anterior,
        "situacao": entrega.situacao,
        "possui_impedimento": bool(causas),
        "causas": causas,
        "versao": entrega.versao,
        "ocorrido_em": entrega.ocorrido_em.isoformat(),
        "entrega_id": str(entrega.pk),
    }
    return json.dumps(dados, ensure_ascii=False, separators=(",", ":")).encode()


def assinatura(segredo: str, carimbo: str, conteudo: bytes) -> str:
    """``sha256=<hex>`` do HMAC-SHA256 de ``<carimbo>.<corpo>`` com o segredo do webhook."""
    mensagem = carimbo.encode() + b"." + conteudo
    return "sha256=" + hmac.new(segredo.encode(), mensagem, hashlib.sha256).hexdigest()


def cabecalhos(entrega: EntregaWebhook, conteudo: bytes) -> dict[str, str]:
    carimbo = str(int(time.time()))
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "CAGEC-Webhooks/1",
        "X-Cagec-Evento": entrega.evento,
        "X-Cagec-Entrega": str(entrega.pk),
        "X-Cagec-Carimbo": carimbo,
        "X-Cagec-Assinatura": assinatura(entrega.webhook.segredo, carimbo, conteudo),
    }


def postar(url: str, conteudo: bytes, cabecalhos_http: dict[str, str]) -> Resposta:
    """Um POST, sem seguir redirecionamento, no IP conferido agora (SSRF)."""
    partes = enderecos.conferir_url(url)
    endereco = enderecos.resolver(partes)[0]
    host, porta = partes.hostname or "", enderecos.porta(partes)
    sock = socket.create_connection((endereco, porta), timeout=TEMPO_PARA_CONECTAR)
    sock.settimeout(TEMPO_PARA_RESPONDER)
    if partes.scheme == "https":
        sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
    conexao = http.client.HTTPConnection(host, porta, timeout=TEMPO_PARA_RESPONDER)
    conexao.sock = sock  # já conectado: o http.client não conecta de novo
    caminho = (partes.path or "/") + (f"?{partes.query}" if partes.query else "")
    try:
        conexao.request("POST", caminho, body=conteudo, headers=cabecalhos_http)
        resposta = conexao.getresponse()
        texto = resposta.read(2000).decode("utf-8", errors="replace")
        return Resposta(resposta.status, texto)
    finally:
        conexao.close()


# --- Ciclo de uma entrega ----------------------------------------------------------------------


def reivindicar_lote(limite: int) -> tuple[uuid.UUID, list[EntregaWebhook]]:
    agora = timezone.now()
    reivindicacao = uuid.uuid4()
    with transaction.atomic():
        ids = list(
            EntregaWebhook.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDENTE, proxima_tentativa_em__lte=agora)
            .order_by("proxima_tentativa_em", "pk")
            .values_list("pk", flat=True)[:limite]
        )
        EntregaWebhook.objects.filter(pk__in=ids).update(
            status=Status.ENVIANDO, reivindicacao=reivindicacao, reivindicado_em=agora
        )
    linhas = EntregaWebhook.objects.filter(pk__in=ids, reivindicacao=reivindicacao)
    return reivindicacao, list(linhas.select_related("webhook__chave").order_by("pk"))


def enviar(entrega: EntregaWebhook, reivindicacao: uuid.UUID) -> str:
    """Envia uma entrega reivindicada e grava o desfecho; devolve o novo status."""
    linha = EntregaWebhook.objects.filter(
        pk=entrega.pk, reivindicacao=reivindicacao, status=Status.ENVIANDO
    )
    webhook = entrega.webhook
    if not webhook.ativo or webhook.chave.revogada_em is not None:
        linha.update(status=Status.CANCELADA, ultimo_erro="Chave revogada ou webhook desativado.")
        return Status.CANCELADA
    conteudo = corpo(entrega)
    try:
        resposta = postar(webhook.url, conteudo, cabecalhos(entrega, conteudo))
    except (OSError, http.client.HTTPException, enderecos.EnderecoProibido) as erro:
        return _falhou(linha, entrega, None, "", f"{type(erro).__name__}: {erro}")
    if 200 <= resposta.codigo < 300:
        linha.update(
            status=Status.ENTREGUE,
            entregue_em=timezone.now(),
            tentativas=entrega.tentativas + 1,
            ultimo_codigo=resposta.codigo,
            ultima_resposta=resposta.corpo[:500],
            ultimo_erro="",
        )
        return Status.ENTREGUE
    motivo = f"HTTP {resposta.codigo}"
    return _falhou(linha, entrega, resposta.codigo, resposta.corpo, motivo)


def _falhou(
    linha: Any, entrega: EntregaWebhook, codigo: int | None, resposta: str, motivo: str
) -> str:
    tentativas = entrega.tentativas + 1
    campos: dict[str, Any] = {"status": Status.FALHOU}
    if tentativas < settings.API_WEBHOOK_MAX_TENTATIVAS:
        proxima = timezone.now() + espera(tentativas)
        campos = {"status": Status.PENDENTE, "proxima_tentativa_em": proxima}
    log.warning("Webhook: entrega %s, tentativa %s: %s", entrega.pk, tentativas, motivo)
    linha.update(
        tentativas=tentativas,
        ultimo_codigo=codigo,
        ultima_resposta=resposta[:500],
        ultimo_erro=motivo[:500],
        **campos,
    )
    return str(campos["status"])


def espera(tentativas: int) -> timedelta:
    """base·2ⁿ⁻¹ com ±25 % de jitter, até ``API_WEBHOOK_ESPERA_TETO`` (30 s, 1, 2, 4 min…)."""
    base: timedelta = settings.API_WEBHOOK_ESPERA_BASE
    teto: timedelta = settings.API_WEBHOOK_ESPERA_TETO
    intervalo = min(teto, base * (1 << min(max(tentativas - 1, 0), 30)))
    return min(teto, intervalo * random.uniform(0.75, 1.25))


def entregar_pendentes(orcamento: float | None = None, lote: int = 20) -> int:
    """Envia as pendentes cuja vez chegou, em lotes, até acabar ou o orçamento (s) passar."""
    prazo = time.monotonic() + (orcamento or settings.API_WEBHOOK_ORCAMENTO)
    entregues = 0
    while time.monotonic() < prazo:
        reivindicacao, linhas = reivindicar_lote(lote)
        if not linhas:
            break
        for posicao, entrega in enumerate(linhas):
            if time.monotonic() >= prazo:
                _devolver(linhas[posicao:], reivindicacao)
                return entregues
            entregues += enviar(entrega, reivindicacao) == Status.ENTREGUE
    return entregues


def _devolver(linhas: list[EntregaWebhook], reivindicacao: uuid.UUID) -> None:
    EntregaWebhook.objects.filter(
        pk__in=[e.pk for e in linhas], reivindicacao=reivindicacao, status=Status.ENVIANDO
    ).update(status=Status.PENDENTE, reivindicacao=None)


def reconciliar() -> int:
    """*enviando* esquecidas (worker morto no meio do envio) voltam a *pendente*."""
    limite = timezone.now() - settings.API_WEBHOOK_RECONCILIAR_APOS
    return EntregaWebhook.objects.filter(status=Status.ENVIANDO, reivindicado_em__lt=limite).update(
        status=Status.PENDENTE, reivindicacao=None, proxima_tentativa_em=timezone.now()
    )
