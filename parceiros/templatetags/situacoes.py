"""Filtros que decidem pela situação/status nos templates, sem o valor gravado no HTML.

Os templates não comparam ``situacao == 'regular'`` nem ``status == 'vigente'``: quem sabe
o valor é o modelo (``TextChoices``); trocar um valor não deixa um template para trás.
"""

from django import template

from parceiros import selectors
from parceiros.models import Parceiro
from parceiros.situacao import StatusObrigacao

register = template.Library()

_BADGE_DA_OBRIGACAO = {
    StatusObrigacao.VIGENTE: "text-bg-success",
    StatusObrigacao.VENCIDO: "text-bg-danger",
}


@register.filter
def e_regular(situacao):
    """A situação (do Parceiro, ou a do retrato guardado num CRC) é Regular."""
    return situacao == Parceiro.Situacao.REGULAR


@register.filter
def badge_da_obrigacao(status):
    """Classe do selo do status de uma Obrigação na pasta digital (vigente, vencido, pendente)."""
    return _BADGE_DA_OBRIGACAO.get(status, "text-bg-secondary")


@register.inclusion_tag("_partials/stepper.html", takes_context=True)
def stepper(context, solicitacao, atual=None):
    """O caminho inteiro da solicitação (Dados → … → Assinatura → Envio), etapa atual marcada."""
    return selectors.etapas(solicitacao, context["request"].user, atual)
