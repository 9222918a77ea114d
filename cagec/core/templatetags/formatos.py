"""Filtros de exibição no formato brasileiro: ``{% load formatos %}``.

``{{ r.telefone|telefone }}``, ``{{ r.cep|cep }}``, ``{{ r.cnae_principal|cnae }}``,
``{{ r.data_abertura|data_br }}`` (date, datetime ou texto ISO), ``{{ momento|data_hora_br }}``,
``{{ p.cnpj|cnpj }}`` e ``{{ u.cpf|cpf }}``. As regras estão em ``cagec.lib.formatos``.
"""

from django import template

from cagec.lib import formatos

register = template.Library()

register.filter("telefone", formatos.formatar_telefone)
register.filter("cep", formatos.formatar_cep)
register.filter("cnae", formatos.formatar_cnae)
register.filter("data_br", formatos.formatar_data)
register.filter("data_hora_br", formatos.formatar_data_hora)
register.filter("cnpj", formatos.formatar_cnpj)
register.filter("cpf", formatos.formatar_cpf)
