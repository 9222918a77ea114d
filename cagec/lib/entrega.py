"""Entrega da caixa de saída ao SMTP, cada e-mail exatamente uma vez (visto do servidor).

Separada de ``cagec.lib.emails`` (que publica a task depois do commit) para que a task não
dependa de quem a publica: ``emails`` → ``core.tasks`` → ``entrega`` → ``core.models``.

Ciclo de uma linha (``EmailSaida.Status``):

1. **Reivindicar** (``reivindicar``): numa transação curta, *pendente* cuja vez chegou
   (``proxima_tentativa_em``) vira *enviando* com ``reivindicacao`` (uuid) e
   ``reivindicado_em``; o token do link de uso único é sorteado nessa mesma transação. COMMIT
   antes de falar com o SMTP: outro worker (task repetida, varredura) não pega a linha.
2. **Enviar** com o Message-ID da linha (``EmailSaida.message_id``, igual em toda tentativa).
   O backend de ``cagec.lib.smtp`` chama ``_marcar_corpo`` (UPDATE em autocommit de
   ``dados_em``) logo antes do corpo do DATA; se o banco estiver fora, aborta antes do corpo.
3. **Desfecho** (``classificar``): 250 → *enviado* (insistindo no banco por
   ``CAIXA_SAIDA_INSISTIR_NO_BANCO``); recusa definitiva (5xx do destinatário ou da
   mensagem) → *falhou* já, com o motivo; falha antes do corpo → *pendente* com espera
   exponencial (``espera``) até ``CAIXA_SAIDA_DESISTIR_APOS`` desde a criação, depois *falhou*;
   corpo enviado sem resposta (timeout, conexão caída, limite da task) → **incerto**:
   ``EMAIL_PROVEDOR_DEDUPLICA_MESSAGE_ID`` decide entre *pendente* (reenviar com o mesmo
   Message-ID é seguro) e *verificar* (a equipe decide no admin).
4. **Reconciliar** (``cagec.lib.caixa_saida.reconciliar``, na varredura): *enviando* há mais que
   ``CAIXA_SAIDA_RECONCILIAR_APOS`` (maior que o limite duro das tasks: o worker morreu) sem
   ``dados_em`` volta a *pendente* (nada saiu); com ``dados_em`` segue a política do incerto.

``tentativas`` conta envios de fato tentados no SMTP (desfechos registrados e envios
interrompidos com o corpo já enviado), não reivindicações.

Backends sem fases (locmem dos testes, console do modo embutido, a cópia da demonstração):
toda exceção conta como falha antes do corpo.
"""

import enum
import logging
import random
import smtplib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import Error as ErroDoBanco
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from cagec.core.models import EmailSaida, TokenAcesso
from cagec.lib import smtp

log = logging.getLogger(__name__)
Status = EmailSaida.Status
Resposta = TypeVar("Resposta")

BACKEND_SMTP_DO_DJANGO = "django.core.mail.backends.smtp.EmailBackend"


class Desfecho(enum.Enum):
    ENVIADO = "enviado"
    RECUSADO = "recusado"  # 5xx do destinatário/da mensagem: falhou já
    TEMPORARIO = "temporario"  # 4xx desta mensagem: nova tentativa, a conexão segue boa
    CONEXAO = "conexao"  # servidor fora/mudo/recusando, banco fora: nova tentativa, lote para
    INCERTO = "incerto"  # o corpo saiu e a resposta não veio


class ReivindicacaoPerdida(Exception):
    """A linha deixou de ser desta tentativa (reconciliada por outro processo)."""


@dataclass(frozen=True)
class Reivindicado:
    email: EmailSaida
    reivindicacao: uuid.UUID
    mensagem: EmailMultiAlternatives

    def linha(self) -> "QuerySet[EmailSaida]":
        """A linha, só enquanto for desta tentativa (mesma ``reivindicacao``)."""
        return EmailSaida.objects.filter(pk=self.email.pk, reivindicacao=self.reivindicacao)


# --- API ------------------------------------------------------------------------------------


def entregar(email_id: int, *, conexao: BaseEmailBackend | None = None) -> bool:
    """Envia um e-mail pendente cuja vez chegou, uma única vez. True se enviou agora.

    ``conexao``: o backend de envio (padrão: ``EMAIL_BACKEND``); a demonstração passa um que
    também guarda a mensagem, para imprimir o link de convite que de fato abre.
    """
    reivindicado = reivindicar(email_id)
    if reivindicado is None:
        return False
    return enviar(conexao or backend(), reivindicado) is Desfecho.ENVIADO


def backend() -> BaseEmailBackend:
    """O backend de ``EMAIL_BACKEND``; o SMTP do Django vira o de ``cagec.lib.smtp`` (fases)."""
    nome = settings.EMAIL_BACKEND
    if nome == BACKEND_SMTP_DO_DJANGO:
        nome = "cagec.lib.smtp.EmailBackend"
    return get_connection(nome, fail_silently=False)


def reivindicar(email_id: int) -> Reivindicado | None:
    """*pendente* cuja vez chegou → *enviando*, gravado (COMMIT) antes de falar com o SMTP."""
    reivindicados = reivindicar_lote([email_id])
    return reivindicados[0] if reivindicados else None


def reivindicar_lote(ids: list[int]) -> list[Reivindicado]:
    """``reivindicar`` de vários numa transação só (a varredura: um COMMIT por lote pequeno).

    As linhas que outro processo tem travadas ficam de fora (``skip_locked``); os tokens dos
    links de uso único são sorteados na mesma transação.
    """
    agora = timezone.now()
    reivindicacao = uuid.uuid4()
    with transaction.atomic():
        linhas = list(
            EmailSaida.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, status=Status.PENDENTE, proxima_tentativa_em__lte=agora)
            .order_by("proxima_tentativa_em", "pk")
        )
        if not linhas:
            return []
        EmailSaida.objects.filter(pk__in=[e.pk for e in linhas]).update(
            status=Status.ENVIANDO,
            reivindicacao=reivindicacao,
            reivindicado_em=agora,
            dados_em=None,
        )
        reivindicados = []
        for email in linhas:
            email.status, email.reivindicacao, email.reivindicado_em = (
                Status.ENVIANDO,
                reivindicacao,
                agora,
            )
            texto, html = _com_segredo(email)
            reivindicados.append(Reivindicado(email, reivindicacao, _mensagem(email, texto, html)))
    return reivindicados


def liberar(reivindicados: list[Reivindicado]) -> None:
    """Devolve à fila, sem contar tentativa, o que foi reivindicado e não chegou a ser enviado."""
    for reivindicado in reivindicados:
        reivindicado.linha().filter(status=Status.ENVIANDO, dados_em__isnull=True).update(
            status=Status.PENDENTE, reivindicacao=None
        )


def enviar(conexao: BaseEmailBackend, reivindicado: Reivindicado) -> Desfecho:
    """Manda a mensagem reivindicada pela ``conexao`` e grava o desfecho na linha."""
    fases = conexao if isinstance(conexao, smtp.EmailBackend) else None
    if fases is not None:
        fases.configurar(lambda: _marcar_corpo(reivindicado))
    try:
        enviadas = conexao.send_messages([reivindicado.mensagem])
    except Exception as erro:  # noqa: BLE001 — todo erro vira um desfecho gravado na linha
        corpo_enviado = fases is not None and fases.corpo_enviado
        return registrar_falha(reivindicado, erro, classificar(erro, corpo_enviado=corpo_enviado))
    if not enviadas:
        falha = smtplib.SMTPException("o backend de e-mail não enviou a mensagem")
        return registrar_falha(reivindicado, falha, Desfecho.CONEXAO)
    _marcar_enviado(reivindicado)
    return Desfecho.ENVIADO


def classificar(erro: BaseException, *, corpo_enviado: bool) -> Desfecho:
    """O desfecho de um envio que levantou ``erro`` (``corpo_enviado``: a fase do DATA)."""
    if isinstance(erro, smtp.EntregaIncerta):
        return Desfecho.INCERTO
    if isinstance(erro, smtplib.SMTPRecipientsRefused):
        codigos = [codigo for codigo, _ in erro.recipients.values()]
        recusa = bool(codigos) and all(codigo >= 500 for codigo in codigos)
        return Desfecho.RECUSADO if recusa else Desfecho.TEMPORARIO
    if isinstance(erro, smtplib.SMTPDataError):
        return Desfecho.RECUSADO if erro.smtp_code >= 500 else Desfecho.TEMPORARIO
    if corpo_enviado:  # ex.: limite da task no meio da espera pela resposta final
        return Desfecho.INCERTO
    return Desfecho.CONEXAO


def espera(tentativas: int) -> timedelta:
    """Quanto esperar depois da ``tentativas``-ésima falha: base·2ⁿ⁻¹ com ±25 % de jitter,
    nunca mais que ``CAIXA_SAIDA_ESPERA_TETO`` (1, 2, 4… min até 6 h, por padrão)."""
    base: timedelta = settings.CAIXA_SAIDA_ESPERA_BASE
    teto: timedelta = settings.CAIXA_SAIDA_ESPERA_TETO
    intervalo = base * (1 << min(max(tentativas - 1, 0), 30))
    return min(teto, min(teto, intervalo) * random.uniform(0.75, 1.25))


def pendentes_para_varredura(
    idade_minima: timedelta | None = None, limite: int | None = None
) -> list[int]:
    """Ids *pendentes* cuja vez chegou, criados há mais de ``idade_minima`` (a task pós-commit
    tem a primeira chance), na ordem da próxima tentativa."""
    agora = timezone.now()
    idade = settings.CAIXA_SAIDA_IDADE_MINIMA if idade_minima is None else idade_minima
    return list(
        EmailSaida.objects.filter(
            status=Status.PENDENTE, proxima_tentativa_em__lte=agora, created_at__lte=agora - idade
        )
        .order_by("proxima_tentativa_em", "pk")
        .values_list("pk", flat=True)[: limite or settings.CAIXA_SAIDA_LOTE]
    )


# --- Desfechos -------------------------------------------------------------------------------


def registrar_falha(
    reivindicado: Reivindicado, erro: BaseException, desfecho: Desfecho
) -> Desfecho:
    """Grava o desfecho de um envio sem 250 (banco fora: a reconciliação resolve depois)."""
    email = reivindicado.email
    motivo = f"{type(erro).__name__}: {erro}"[:1000]
    agora = timezone.now()
    tentativas = email.tentativas + 1
    if desfecho is Desfecho.INCERTO:
        campos = campos_do_incerto(tentativas, agora)
    elif desfecho is Desfecho.RECUSADO:
        campos = {"status": Status.FALHOU}
    elif agora - email.created_at >= settings.CAIXA_SAIDA_DESISTIR_APOS:
        campos = {"status": Status.FALHOU}
        motivo = (
            f"Desistimos depois de {tentativas} tentativa(s) em "
            + _duracao(settings.CAIXA_SAIDA_DESISTIR_APOS)
            + f". Último erro: {motivo}"
        )
    else:
        proxima = min(
            agora + espera(tentativas), email.created_at + settings.CAIXA_SAIDA_DESISTIR_APOS
        )
        campos = {"status": Status.PENDENTE, "proxima_tentativa_em": proxima}
    log.warning(
        "Caixa de saída: e-mail %s, tentativa %s, %s: %s",
        email.pk,
        tentativas,
        desfecho.value,
        erro,
    )
    try:
        reivindicado.linha().filter(status=Status.ENVIANDO).update(
            tentativas=tentativas, ultimo_erro=motivo[:1000], **campos
        )
    except ErroDoBanco:  # DatabaseError ou InterfaceError (conexão fechada)
        log.exception("Caixa de saída: banco fora ao gravar a falha do e-mail %s", email.pk)
    return desfecho


def campos_do_incerto(tentativas: int, agora: datetime) -> dict[str, object]:
    if settings.EMAIL_PROVEDOR_DEDUPLICA_MESSAGE_ID:
        return {"status": Status.PENDENTE, "proxima_tentativa_em": agora + espera(tentativas)}
    return {"status": Status.VERIFICAR}


def _marcar_corpo(reivindicado: Reivindicado) -> None:
    """Logo antes do corpo do DATA (autocommit). Se levantar, o corpo não é enviado."""
    marcadas = reivindicado.linha().filter(status=Status.ENVIANDO).update(dados_em=timezone.now())
    if marcadas != 1:
        raise ReivindicacaoPerdida(f"e-mail {reivindicado.email.pk} não é mais desta tentativa")


def _marcar_enviado(reivindicado: Reivindicado) -> None:
    """250 recebido: grava *enviado*, insistindo se o banco estiver fora (ver ``insistir``).

    Se desistir, a linha fica *enviando* com ``dados_em`` e a reconciliação a resolve.
    Aceita também *verificar* desta mesma tentativa (a confirmação chegou depois).
    """
    pk = reivindicado.email.pk

    def marcar() -> int:
        return (
            reivindicado.linha()
            .filter(Q(status=Status.ENVIANDO) | Q(status=Status.VERIFICAR))
            .update(
                status=Status.ENVIADO,
                enviado_em=timezone.now(),
                tentativas=F("tentativas") + 1,
                ultimo_erro="",
            )
        )

    marcadas = insistir(marcar, f"marcar o e-mail {pk} como enviado")
    if marcadas == 0:
        log.error("Caixa de saída: e-mail %s aceito pelo SMTP, mas a linha mudou de dono", pk)


def insistir(acao: Callable[[], Resposta], descricao: str) -> Resposta | None:
    """Roda ``acao`` até dar certo ou ``CAIXA_SAIDA_INSISTIR_NO_BANCO`` passar, reabrindo a
    conexão com o banco entre as tentativas. ``None`` se desistiu."""
    prazo = time.monotonic() + settings.CAIXA_SAIDA_INSISTIR_NO_BANCO.total_seconds()
    while True:
        try:
            return acao()
        except ErroDoBanco as erro:  # DatabaseError ou InterfaceError (conexão fechada)
            if time.monotonic() >= prazo:
                log.error("Caixa de saída: banco fora, desisti de %s: %s", descricao, erro)
                return None
            log.warning("Caixa de saída: banco fora ao %s; tentando de novo: %s", descricao, erro)
            if not connection.in_atomic_block:
                connection.close()
            time.sleep(min(1.0, max(0.0, prazo - time.monotonic())))


# --- Mensagem ---------------------------------------------------------------------------------


def _mensagem(email: EmailSaida, texto: str, html: str) -> EmailMultiAlternatives:
    mensagem = EmailMultiAlternatives(
        subject=email.assunto,
        body=texto,
        to=[email.destinatario],
        headers={"Message-ID": email.message_id},
    )
    mensagem.attach_alternative(html, "text/html")
    return mensagem


def _com_segredo(email: EmailSaida) -> tuple[str, str]:
    """Os corpos como saem para o SMTP: o marcador vira um token recém-sorteado.

    Só o hash é gravado (na transação que reivindica a linha); os corpos da linha continuam
    com o marcador.
    """
    if email.token_id is None:
        return email.corpo_texto, email.corpo_html

    token = TokenAcesso.objects.select_for_update().filter(pk=email.token_id).first()
    if token is None:
        return email.corpo_texto, email.corpo_html
    bruto = token.gerar_segredo()
    return (
        email.corpo_texto.replace(TokenAcesso.MARCADOR, bruto),
        email.corpo_html.replace(TokenAcesso.MARCADOR, bruto),
    )


def _duracao(intervalo: timedelta) -> str:
    horas = intervalo.total_seconds() / 3600
    return f"{horas:g} h" if horas >= 1 else f"{intervalo.total_seconds():g} s"
