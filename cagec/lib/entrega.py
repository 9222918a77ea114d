"""Entrega da caixa de saída ao SMTP: a task ``enviar_email`` e a varredura chamam daqui.

Separada de ``cagec.lib.emails`` (que publica a task depois do commit) para que a task não
dependa de quem a publica: ``emails`` → ``core.tasks`` → ``entrega`` → ``core.models``.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from cagec.core.models import EmailSaida, TokenAcesso

log = logging.getLogger(__name__)


def entregar(email_id: int, *, conexao: BaseEmailBackend | None = None) -> bool:
    """Envia um e-mail pendente uma única vez. Devolve True se enviou agora.

    ``conexao``: o backend de envio (padrão: ``EMAIL_BACKEND``); a demonstração passa um que
    também guarda a mensagem, para imprimir o link de convite que de fato abre.
    """
    with transaction.atomic():
        email = (
            EmailSaida.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=EmailSaida.Status.PENDENTE)
            .first()
        )
        if email is None:
            return False
        texto, html = _com_segredo(email)
        mensagem = EmailMultiAlternatives(
            subject=email.assunto,
            body=texto,
            to=[email.destinatario],
            headers={"Message-ID": f"<cagec-{email.pk}@{_dominio()}>"},
            connection=conexao,
        )
        mensagem.attach_alternative(html, "text/html")
        try:
            mensagem.send()
        except Exception as erro:  # noqa: BLE001 — qualquer falha de SMTP vira nova tentativa
            _registrar_falha(email, erro)
            return False
        EmailSaida.objects.filter(pk=email.pk).update(
            status=EmailSaida.Status.ENVIADO,
            enviado_em=timezone.now(),
            tentativas=email.tentativas + 1,
            ultimo_erro="",
        )
    return True


def _com_segredo(email):
    """Os corpos como saem para o SMTP: o marcador vira um token recém-sorteado.

    Só o hash é gravado (na transação que trava a linha do e-mail); os corpos da linha
    continuam com o marcador.
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


def _registrar_falha(email, erro):

    tentativas = email.tentativas + 1
    desistir = tentativas >= settings.CAIXA_SAIDA_MAX_TENTATIVAS
    EmailSaida.objects.filter(pk=email.pk).update(
        tentativas=tentativas,
        ultimo_erro=str(erro)[:1000],
        status=EmailSaida.Status.FALHOU if desistir else EmailSaida.Status.PENDENTE,
    )
    log.warning("Falha ao enviar e-mail %s (tentativa %s): %s", email.pk, tentativas, erro)


def pendentes_para_varredura(idade_minima=timedelta(seconds=30), limite=500):

    corte = timezone.now() - idade_minima
    return list(
        EmailSaida.objects.filter(status=EmailSaida.Status.PENDENTE, created_at__lte=corte)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limite]
    )


def _dominio():
    return settings.PORTAL_URL_BASE.split("://", 1)[-1].split("/", 1)[0].split(":")[0]
