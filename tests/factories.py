"""Fábricas de dados de teste. Estados são construídos pelos serviços, não por ``situacao=``."""

import random

import factory
from django.utils import timezone

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
        if kwargs.get("origem") in Usuario.ConfirmacaoCPF.values:  # importação, administração
            kwargs.setdefault("cpf_confirmado_em", timezone.now())
            kwargs.setdefault("cpf_confirmado_por", kwargs["origem"])
        usuario = Usuario.objects.create_user(*args, **kwargs)
        if pendente:
            return usuario
        token = services._emitir_token(
            usuario, services.Finalidade.PRIMEIRO_ACESSO, services.settings.PRIMEIRO_ACESSO_VALIDADE
        ).gerar_segredo()
        usuario = services.concluir_primeiro_acesso(token, cpf=usuario.cpf, senha=SENHA)
        if aceitou_termo:
            services.aceitar_termo(usuario, services.termo_vigente())
        return usuario


# --- Parceiros ---------------------------------------------------------------------------------
# CNPJs do arquivo offline da Receita (parceiros/dados/receita_offline.json).
CNPJ_MUNICIPIO = "18000001000100"  # Município de São José das Almas (natureza 124-4)
CNPJ_ASSOCIACAO = "07000001000185"  # Associação Privada (399-9)
CNPJ_ALFANUMERICO = "12ABC34501DE35"  # exemplo da Receita, Associação Privada
CNPJ_LIVRE = "07000002000120"  # Associação ativa que nenhuma fábrica cadastra
CNPJ_BAIXADO = "07000006000108"
CNPJ_EMPRESA = "33000001000195"  # natureza 206-2, sem Tipo de Parceiro


def pdf_pequeno(titulo="Documento de teste"):
    from parceiros.management.commands.carregar_demo_parceiros import pdf_minimo

    return pdf_minimo(titulo)


def parceiro_com_rl(rl=None, *, cnpj=CNPJ_MUNICIPIO, tipo=None, cargo="Prefeita"):
    """Parceiro cadastrado pelo serviço, com ``rl`` como Representante Legal ativo."""
    from datetime import date

    from parceiros import receita, services
    from parceiros.models import TipoParceiro

    registro = receita.consultar_cnpj(cnpj)
    if tipo is None:
        tipo = TipoParceiro.objects.filter(
            naturezas__codigo=registro.natureza_juridica_codigo
        ).first()
    parceiro = services.cadastrar_parceiro(registro, tipo)
    rl = rl or UsuarioFactory(aceitou_termo=True)
    services.vincular_rl(
        parceiro,
        rl,
        cargo=cargo,
        mandato_inicio=date(2025, 1, 1),
        mandato_fim=date(2028, 12, 31),
    )
    return parceiro
