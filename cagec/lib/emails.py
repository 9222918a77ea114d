"""E-mails: renderizar de ``templates/emails/<evento>/``, gravar na caixa de saída e entregar.

Fluxo: um serviço chama ``enfileirar_email`` dentro da sua transação; depois do commit a
task ``accounts.tasks.enviar_email`` é publicada (se o Redis estiver fora, a publicação
falha em ≤ 1 s, o pedido do usuário segue e a varredura periódica entrega mais tarde).
``entregar`` trava a linha e só envia o que ainda está pendente: rodar duas vezes envia uma.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

log = logging.getLogger(__name__)


def renderizar(evento: str, contexto: dict) -> tuple[str, str, str]:
    ctx = {"portal_url": settings.PORTAL_URL_BASE, **contexto}
    assunto = render_to_string(f"emails/{evento}/assunto.txt", ctx).strip()
    texto = render_to_string(f"emails/{evento}/corpo.txt", ctx)
    html = render_to_string(f"emails/{evento}/corpo.html", {**ctx, "assunto": assunto})
    return " ".join(assunto.split()), texto, html


def _montar(evento, destinatario, contexto, usuario):
    """A linha da caixa de saída, já renderizada e ainda não gravada."""
    from accounts.models import EmailSaida

    assunto, texto, html = renderizar(evento, contexto)
    return EmailSaida(
        evento=evento,
        usuario=usuario,
        destinatario=destinatario,
        assunto=assunto,
        corpo_texto=texto,
        corpo_html=html,
    )


def enfileirar_email(evento: str, destinatario: str, contexto: dict, usuario=None):
    """Grava o e-mail na caixa de saída e agenda o envio para depois do commit.

    Sem destinatário (conta retomada pelo titular que ainda não informou o e-mail): nada.
    """
    if not destinatario:
        return None
    email = _montar(evento, destinatario, contexto, usuario)
    email.save(force_insert=True)
    transaction.on_commit(lambda: publicar_envio(email.pk))
    return email


def enfileirar_emails(mensagens) -> list:
    """Vários e-mails numa gravação só (avisos da rotina noturna): ``enfileirar_email`` em massa.

    ``mensagens``: iterável de ``(evento, destinatario, contexto, usuario)``. Cada um é
    renderizado como no envio avulso; as linhas entram na caixa de saída num ``bulk_create``
    (uma consulta a cada 1 000) e cada envio é publicado depois do commit.
    """
    from accounts.models import EmailSaida

    emails = [_montar(*mensagem) for mensagem in mensagens if mensagem[1]]
    criados = EmailSaida.objects.bulk_create(emails, batch_size=1000)
    ids = [email.pk for email in criados]
    if ids:
        transaction.on_commit(lambda: _publicar_todos(ids))
    return criados


def _publicar_todos(ids):
    for pk in ids:
        if not publicar_envio(pk):
            break  # fila fora do ar: a varredura do beat entrega o resto (nada se perde)


def publicar_envio(email_id: int) -> bool:
    """Publica a task de envio; nunca derruba o request (a varredura cobre falhas)."""
    from accounts.tasks import enviar_email

    try:
        enviar_email.apply_async(args=[email_id], retry=False)
    except Exception:  # noqa: BLE001 — fila fora do ar: o e-mail fica pendente na caixa de saída
        log.warning("Fila indisponível; e-mail %s fica para a varredura", email_id, exc_info=True)
        return False
    return True


def entregar(email_id: int) -> bool:
    """Envia um e-mail pendente uma única vez. Devolve True se enviou agora."""
    from accounts.models import EmailSaida

    with transaction.atomic():
        email = (
            EmailSaida.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=EmailSaida.Status.PENDENTE)
            .first()
        )
        if email is None:
            return False
        mensagem = EmailMultiAlternatives(
            subject=email.assunto,
            body=email.corpo_texto,
            to=[email.destinatario],
            headers={"Message-ID": f"<cagec-{email.pk}@{_dominio()}>"},
        )
        mensagem.attach_alternative(email.corpo_html, "text/html")
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


def _registrar_falha(email, erro):
    from accounts.models import EmailSaida

    tentativas = email.tentativas + 1
    desistir = tentativas >= settings.CAIXA_SAIDA_MAX_TENTATIVAS
    EmailSaida.objects.filter(pk=email.pk).update(
        tentativas=tentativas,
        ultimo_erro=str(erro)[:1000],
        status=EmailSaida.Status.FALHOU if desistir else EmailSaida.Status.PENDENTE,
    )
    log.warning("Falha ao enviar e-mail %s (tentativa %s): %s", email.pk, tentativas, erro)


def pendentes_para_varredura(idade_minima=timedelta(seconds=30), limite=500):
    from accounts.models import EmailSaida

    corte = timezone.now() - idade_minima
    return list(
        EmailSaida.objects.filter(status=EmailSaida.Status.PENDENTE, created_at__lte=corte)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limite]
    )


def _dominio():
    return settings.PORTAL_URL_BASE.split("://", 1)[-1].split("/", 1)[0].split(":")[0]


def reenviar(email_id: int) -> bool:
    """Cópia pendente de um e-mail enviado ou que falhou; o original fica no histórico."""
    from accounts.models import EmailSaida

    with transaction.atomic():
        original = EmailSaida.objects.filter(pk=email_id).first()
        if original is None or original.status == EmailSaida.Status.PENDENTE:
            return False
        copia = EmailSaida.objects.create(
            evento=original.evento,
            usuario=original.usuario,
            destinatario=original.destinatario,
            assunto=original.assunto,
            corpo_texto=original.corpo_texto,
            corpo_html=original.corpo_html,
        )
        transaction.on_commit(lambda: publicar_envio(copia.pk))
    return True
