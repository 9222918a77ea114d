"""E-mails: renderizar de ``templates/emails/<evento>/``, gravar na caixa de saída e entregar.

Fluxo: um serviço chama ``enfileirar_email`` dentro da sua transação; depois do commit a
task ``cagec.core.tasks.enviar_email`` é publicada (se o Redis estiver fora, a publicação
falha em ≤ 1 s, o pedido do usuário segue e a varredura periódica entrega mais tarde).
``entregar`` (``cagec.lib.entrega``) trava a linha e só envia o que ainda está pendente:
rodar duas vezes envia uma.

Links de uso único (primeiro acesso, convite, recuperação, troca de e-mail): a linha guarda
o link com ``TokenAcesso.MARCADOR`` no lugar do token e a referência ao ``TokenAcesso``; o
token é sorteado em ``entregar`` (só o hash é gravado) e entra apenas na mensagem do SMTP.
Nada na caixa de saída — nem no admin, nem nos backups — abre uma conta. Cada tentativa de
envio sorteia um token novo, e o link do envio anterior deixa de valer.
"""

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from cagec.core.models import EmailSaida, TokenAcesso
from cagec.core.tasks import enviar_email
from cagec.lib import fila
from cagec.lib.auditoria import registrar

# A entrega (SMTP) mora em ``cagec.lib.entrega``, que a task chama; daqui ela é a mesma API.
from cagec.lib.entrega import entregar as entregar
from cagec.lib.entrega import pendentes_para_varredura as pendentes_para_varredura

if TYPE_CHECKING:  # auth._User: o modelo de settings.AUTH_USER_MODEL (plugin do django-stubs)
    from django.contrib.auth import models as auth

log = logging.getLogger(__name__)

# ``(evento, destinatario, contexto, usuario[, token])``: um e-mail de ``enfileirar_emails``.
Mensagem = (
    tuple[str, str, dict[str, Any], "auth._User | None"]
    | tuple[str, str, dict[str, Any], "auth._User | None", TokenAcesso | None]
)


def renderizar(evento: str, contexto: dict[str, Any]) -> tuple[str, str, str]:
    ctx = {"portal_url": settings.PORTAL_URL_BASE, **contexto}
    assunto = render_to_string(f"emails/{evento}/assunto.txt", ctx).strip()
    texto = render_to_string(f"emails/{evento}/corpo.txt", ctx)
    html = render_to_string(f"emails/{evento}/corpo.html", {**ctx, "assunto": assunto})
    return " ".join(assunto.split()), texto, html


def _montar(
    evento: str,
    destinatario: str,
    contexto: dict[str, Any],
    usuario: "auth._User | None",
    token: TokenAcesso | None = None,
) -> EmailSaida:
    """A linha da caixa de saída, já renderizada e ainda não gravada."""
    assunto, texto, html = renderizar(evento, contexto)
    return EmailSaida(
        evento=evento,
        usuario=usuario,
        destinatario=destinatario,
        assunto=assunto,
        corpo_texto=texto,
        corpo_html=html,
        token=token,
    )


def enfileirar_email(
    evento: str,
    destinatario: str,
    contexto: dict[str, Any],
    usuario: "auth._User | None" = None,
    *,
    token: TokenAcesso | None = None,
) -> EmailSaida | None:
    """Grava o e-mail na caixa de saída e agenda o envio para depois do commit.

    ``token``: o ``TokenAcesso`` cujo link o contexto traz com o marcador (ver o topo).
    Sem destinatário (conta retomada pelo titular que ainda não informou o e-mail): nada.
    """
    if not destinatario:
        return None
    email = _montar(evento, destinatario, contexto, usuario, token)
    email.save(force_insert=True)
    transaction.on_commit(lambda: publicar_envio(email.pk))
    return email


def limite_por_destinatario_atingido(evento: str, destinatario: str) -> bool:
    """``destinatario`` já recebeu ``EMAILS_POR_DESTINATARIO_POR_HORA`` e-mails ``evento`` na
    última hora? Conta na caixa de saída (banco), então vale entre processos e servidores;
    maiúsculas no endereço não importam. Limite 0: sem limite.
    """
    limite: int = settings.EMAILS_POR_DESTINATARIO_POR_HORA
    if limite <= 0:
        return False
    desde = timezone.now() - timedelta(hours=1)
    recentes = EmailSaida.objects.filter(
        destinatario__iexact=destinatario.strip(), evento=evento, created_at__gte=desde
    )
    return recentes[:limite].count() >= limite


def enfileirar_emails(mensagens: Iterable[Mensagem]) -> list[EmailSaida]:
    """Vários e-mails numa gravação só (avisos da rotina noturna): ``enfileirar_email`` em massa.

    ``mensagens``: iterável de ``(evento, destinatario, contexto, usuario[, token])``. Cada um é
    renderizado como no envio avulso; as linhas entram na caixa de saída num ``bulk_create``
    (uma consulta a cada 1 000) e cada envio é publicado depois do commit.
    """
    emails = [_montar(*mensagem) for mensagem in mensagens if mensagem[1]]
    criados = EmailSaida.objects.bulk_create(emails, batch_size=1000)
    ids = [email.pk for email in criados]
    if ids:
        transaction.on_commit(lambda: _publicar_todos(ids))
    return criados


def _publicar_todos(ids: list[int]) -> None:
    for pk in ids:
        if not publicar_envio(pk):
            break  # fila fora do ar: a varredura do beat entrega o resto (nada se perde)


def publicar_envio(email_id: int) -> bool:
    """Publica a task de envio; nunca derruba o request (a varredura cobre falhas)."""
    return fila.publicar(enviar_email, [email_id])


# "Enviar de novo" cria uma cópia só do que terminou; pendente/enviando ainda vão sair e
# "verificar" tem as suas duas ações (``confirmar_entregues``, ``reenviar_nao_entregues``).
_REENVIAVEIS = (EmailSaida.Status.ENVIADO, EmailSaida.Status.FALHOU)


def confirmar_entregues(ids: Iterable[int], ator: "auth._User | None" = None) -> int:
    """*verificar* → *enviado*: a equipe conferiu no provedor que a mensagem chegou."""

    def entregue(email: EmailSaida) -> None:
        email.status = EmailSaida.Status.ENVIADO
        email.enviado_em = email.dados_em or timezone.now()

    linhas = _resolver_verificar(ids, entregue, ["enviado_em"], "email.entrega_confirmada", ator)
    return len(linhas)


def reenviar_nao_entregues(ids: Iterable[int], ator: "auth._User | None" = None) -> int:
    """*verificar* → *pendente* agora, com o mesmo Message-ID: a mensagem não chegou."""

    def de_novo(email: EmailSaida) -> None:
        email.status = EmailSaida.Status.PENDENTE
        email.proxima_tentativa_em = timezone.now()

    with transaction.atomic():
        linhas = _resolver_verificar(
            ids, de_novo, ["proxima_tentativa_em"], "email.reenvio_confirmado", ator
        )
        pks = [email.pk for email in linhas]
        if pks:
            transaction.on_commit(lambda: _publicar_todos(pks))
    return len(linhas)


def _resolver_verificar(
    ids: Iterable[int],
    mudar: Callable[[EmailSaida], None],
    campos: list[str],
    acao: str,
    ator: "auth._User | None",
) -> list[EmailSaida]:
    """As linhas ainda em *verificar* (travadas), cada uma mudada, gravada e auditada."""
    with transaction.atomic():
        linhas = list(
            EmailSaida.objects.select_for_update()
            .filter(pk__in=list(ids), status=EmailSaida.Status.VERIFICAR)
            .order_by("pk")
        )
        for email in linhas:
            mudar(email)
            email.save(update_fields=["status", *campos])
            registrar(acao, objeto=email, ator=ator)
    return linhas


def reenviar(email_id: int) -> bool:
    """Cópia pendente (outro Message-ID) de um e-mail enviado ou que falhou; o original fica.

    Com link de uso único, a cópia leva a mesma referência: na entrega sai um token novo
    (o link do e-mail anterior deixa de valer). Link já usado, vencido ou substituído não
    é reenviado (seria um link morto): devolve False.
    """
    with transaction.atomic():
        original = EmailSaida.objects.select_related("token").filter(pk=email_id).first()
        if original is None or original.status not in _REENVIAVEIS:
            return False
        tem_link = TokenAcesso.MARCADOR in original.corpo_texto + original.corpo_html
        if (original.token or tem_link) and not (original.token and original.token.utilizavel):
            return False
        copia = EmailSaida.objects.create(
            evento=original.evento,
            usuario=original.usuario,
            destinatario=original.destinatario,
            assunto=original.assunto,
            corpo_texto=original.corpo_texto,
            corpo_html=original.corpo_html,
            token=original.token,
        )
        transaction.on_commit(lambda: publicar_envio(copia.pk))
    return True
