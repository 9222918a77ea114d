"""Leituras de contas reutilizadas por views, admin e exportação LGPD."""

from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone

from cagec.lib.documentos import formatar_cpf

from .models import RegistroAuditoria


def auditoria_do_usuario(usuario, limite=200):
    """O que aconteceu com a conta da pessoa (feito por ela ou por outros)."""
    return (
        RegistroAuditoria.objects.filter(usuario_afetado=usuario)
        .select_related("ator")
        .order_by("-created_at", "-id")[:limite]
    )


def cpf_bloqueado_por_tentativas(cpf) -> bool:
    corte = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        username=cpf, failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=corte
    ).exists()


def dados_pessoais(usuario) -> dict:
    """Tudo o que o portal guarda sobre a pessoa (LGPD, art. 18), em formato JSON."""
    data = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "gerado_em": timezone.now().isoformat(),
        "conta": {
            "cpf": formatar_cpf(usuario.cpf),
            "nome": usuario.nome,
            "email": usuario.email,
            "telefone": usuario.telefone,
            "situacao": usuario.get_situacao_display(),
            "origem": usuario.get_origem_display(),
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
        "auditoria": [
            {
                "quando": data(r.created_at),
                "acao": r.acao,
                "descricao": r.descricao,
                "ip": r.ip,
                "antes": r.antes,
                "depois": r.depois,
            }
            for r in RegistroAuditoria.objects.filter(usuario_afetado=usuario).order_by(
                "created_at"
            )
        ],
    }
