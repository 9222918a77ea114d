"""Fábricas de dados de teste. Estados são construídos pelos serviços, não por ``situacao=``."""

import random

import factory

from accounts import services
from accounts.models import Usuario
from cagec.lib.documentos import calcular_dv_cpf

SENHA = "Senha#Forte2026"


def cpf_aleatorio():
    while True:
        base = f"{random.randint(0, 999_999_999):09d}"
        cpf = base + calcular_dv_cpf(base)
        if cpf != cpf[0] * 11:
            return cpf


class UsuarioFactory(factory.django.DjangoModelFactory):
    """Por padrão, pessoa ativada pelo fluxo real de primeiro acesso, com a senha ``SENHA``.

    ``pendente=True``: conta ainda sem primeiro acesso. ``aceitou_termo=True``: já aceitou o
    termo vigente (não é redirecionada para /termos/).
    """

    class Meta:
        model = Usuario

    cpf = factory.LazyFunction(cpf_aleatorio)
    nome = factory.Faker("name", locale="pt_BR")
    email = factory.Sequence(lambda n: f"pessoa{n}@exemplo.com.br")
    telefone = "31999990000"

    @classmethod
    def _create(cls, model_class, *args, pendente=False, aceitou_termo=False, **kwargs):
        usuario = Usuario.objects.create_user(*args, **kwargs)
        if pendente:
            return usuario
        token = services._emitir_token(
            usuario, services.F.PRIMEIRO_ACESSO, services.settings.PRIMEIRO_ACESSO_VALIDADE
        )
        usuario = services.concluir_primeiro_acesso(token, cpf=usuario.cpf, senha=SENHA)
        if aceitou_termo:
            services.aceitar_termo(usuario, services.termo_vigente())
        return usuario
