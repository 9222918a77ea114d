"""``{% aviso_caixa_de_saida %}``: o aviso no topo do admin quando a caixa de saída precisa
de atenção (``cagec.lib.caixa_saida.alertas``). Só para a equipe; se a consulta falhar, nada."""

import logging
from typing import Any

from django import template
from django.conf import settings
from django.db import Error as ErroDoBanco
from django.urls import reverse

from cagec.lib import caixa_saida

register = template.Library()
log = logging.getLogger(__name__)


@register.inclusion_tag("admin/core/aviso_caixa_de_saida.html", takes_context=True)
def aviso_caixa_de_saida(context: Any) -> dict[str, Any]:
    request = context.get("request")
    usuario = getattr(request, "user", None)
    if usuario is None or not usuario.is_staff:
        return {}
    try:
        alertas = caixa_saida.alertas()
    except ErroDoBanco:
        log.exception("Aviso da caixa de saída: consulta falhou")
        return {}
    return {
        "alertas": alertas,
        "url": reverse("admin:core_emailsaida_changelist"),
        "alerta_minutos": int(settings.CAIXA_SAIDA_ALERTA_APOS.total_seconds() // 60),
        "falhou_dias": settings.CAIXA_SAIDA_ALERTA_FALHOU.days,
    }
