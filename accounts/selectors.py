"""Leituras de contas reutilizadas por views, admin e exportação LGPD."""

from collections.abc import Callable
from datetime import date
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils import timezone

from cagec.core.models import RegistroAuditoria
from cagec.lib.documentos import formatar_cpf

from . import ganchos
from .autenticacao import chave_do_cpf
from .models import Usuario


def _ip_proprio(usuario: Usuario) -> Case:
    """O IP do registro só quando foi a própria pessoa quem agiu (``None`` nos demais).

    Nas ações de outros (administração, análise) ou sem autor identificado (inscrição
    repetida, pedido de recuperação) o IP pode ser de outra pessoa: é evidência interna.
    """
    return Case(When(ator_id=usuario.pk, then=F("ip")), default=Value(None))


def auditoria_do_usuario(usuario: Usuario, limite: int = 200) -> QuerySet[RegistroAuditoria]:
    """O que aconteceu com a conta da pessoa (feito por ela ou por outros).

    ``ip_proprio``: o IP que a própria pessoa pode ver (ver ``_ip_proprio``).
    """
    return (
        RegistroAuditoria.objects.filter(usuario_afetado=usuario)
        .annotate(ip_proprio=_ip_proprio(usuario))
        .select_related("ator")
        .order_by("-created_at", "-id")[:limite]
    )


def cpf_bloqueado_por_tentativas(cpf: str) -> bool:
    corte = timezone.now() - settings.AXES_COOLOFF_TIME
    existe: bool = AccessAttempt.objects.filter(
        username=chave_do_cpf(cpf),
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=corte,
    ).exists()
    return existe  # o axes não tem tipos: o bool fica explícito


def dados_pessoais(usuario: Usuario) -> dict[str, Any]:
    """Tudo o que o portal guarda sobre a pessoa (LGPD, art. 18), em formato JSON.

    IPs: só os da própria pessoa (aceites do termo, declarações que assinou, ações que ela
    fez logada); nunca o de quem agiu sobre a conta dela.
    """
    data: Callable[[date | None], str | None] = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "gerado_em": timezone.now().isoformat(),
        "conta": {
            "cpf": formatar_cpf(usuario.cpf),
            "nome": usuario.nome,
            "email": usuario.email,
            "telefone": usuario.telefone,
            "situacao": usuario.get_situacao_display(),
            "origem": usuario.get_origem_display(),
            "cpf_confirmado_por": usuario.get_cpf_confirmado_por_display() or None,
            "cpf_confirmado_em": data(usuario.cpf_confirmado_em),
            "criada_em": data(usuario.created_at),
            "ultimo_acesso": data(usuario.last_login),
        },
        "aceites_termo_uso": [
            {"versao": a.termo.versao, "aceito_em": data(a.aceito_em), "ip": a.ip}
            for a in usuario.aceites.select_related("termo").order_by("aceito_em")
        ],
        "emails_enviados": [
            {
                "evento": e.evento,
                "para": e.destinatario,
                "assunto": e.assunto,
                "criado_em": data(e.created_at),
                "situacao": e.get_status_display(),
            }
            for e in usuario.emails.order_by("created_at")
        ],
        # Vínculos, solicitações, documentos e declarações: dos apps de cima, pelo gancho.
        **ganchos.dados_exportados(usuario),
        "auditoria": [
            {
                "quando": data(r.created_at),
                "acao": r.acao,
                "feita_por_mim": r.ator_id == usuario.pk,
                "descricao": r.descricao,
                "ip": r.ip_proprio,
                "antes": r.antes,
                "depois": r.depois,
            }
            for r in RegistroAuditoria.objects.filter(Q(usuario_afetado=usuario) | Q(ator=usuario))
            .annotate(ip_proprio=_ip_proprio(usuario))
            .order_by("created_at", "id")
        ],
    }


def acoes_de_hoje(ator: Usuario, acao: str) -> int:
    """Quantas vezes ``ator`` fez ``acao`` desde a meia-noite (hora local): as cotas diárias.

    A auditoria é a contagem: cada busca já grava a sua linha, e a cota sobrevive a um
    Redis reiniciado e vale igual em todos os processos web.
    """
    inicio = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return RegistroAuditoria.objects.filter(ator=ator, acao=acao, created_at__gte=inicio).count()
