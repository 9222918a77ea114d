"""Dados de demonstração do modo embutido. Idempotente: rodar de novo não duplica nada.

Cria um superusuário com a senha impressa no README: só roda no modo embutido
(``DJANGO_DEBUG=true``, como o ``make run``), nunca numa instalação de verdade.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts import services
from accounts.models import Usuario
from cagec.core.models import TokenAcesso
from cagec.lib.documentos import calcular_dv_cpf, formatar_cpf

SENHA_DEMO = "Cagec#Demo2026"


def _cpf(base9):
    return base9 + calcular_dv_cpf(base9)


PESSOAS = [
    # (cpf, nome, e-mail, papel, situação)
    (_cpf("100000001"), "Ana Administradora Demo", "admin@demo.cagec.mg.gov.br", "admin", "ativo"),
    (
        _cpf("100000002"),
        "Carlos Analista Demo",
        "analista@demo.cagec.mg.gov.br",
        "staff",
        "ativo",
    ),  # grupo Analista
    (
        _cpf("100000003"),
        "Maria Representante Demo",
        "maria@demo.cagec.mg.gov.br",
        "usuária ativa",
        "ativo",
    ),
    (
        _cpf("100000004"),
        "João Pré-cadastrado Demo",
        "joao@demo.cagec.mg.gov.br",
        "pré-cadastrado",
        "pendente",
    ),
]


class Command(BaseCommand):
    help = "Carrega pessoas de demonstração e imprime os acessos."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "carregar_demo só roda no modo embutido (DJANGO_DEBUG=true, como em `make run`): "
                "ele cria um superusuário com a senha pública do README. Numa instalação de "
                "verdade, crie a administração com `python manage.py createsuperuser`."
            )
        with transaction.atomic():
            for cpf, nome, email, papel, situacao in PESSOAS:
                self._pessoa(cpf, nome, email, papel, situacao)
        call_command("carregar_demo_parceiros", stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"\nAcessos de demonstração (senha: {SENHA_DEMO})"))
        for cpf, nome, _email, papel, situacao in PESSOAS:
            nota = (
                "convite pendente (link no e-mail impresso no console)"
                if situacao == "pendente"
                else papel
            )
            self.stdout.write(f"  {formatar_cpf(cpf)}  {nome:<28} {nota}")
        self.stdout.write(
            "  Portal: http://127.0.0.1:8000/   Administração: http://127.0.0.1:8000/admin/\n"
        )

    def _pessoa(self, cpf, nome, email, papel, situacao):
        usuario = Usuario.objects.filter(cpf=cpf).first()
        if usuario is None:
            if situacao == "pendente":
                usuario = Usuario.objects.create_user(
                    cpf,
                    nome=nome,
                    email=email,
                    telefone="31999990000",
                    origem=Usuario.Origem.IMPORTACAO,
                    cpf_confirmado_em=timezone.now(),
                    cpf_confirmado_por=Usuario.ConfirmacaoCPF.IMPORTACAO,
                )
            else:
                usuario = Usuario.objects.create_user(
                    cpf,
                    nome=nome,
                    email=email,
                    telefone="3139150000",
                    password=SENHA_DEMO,
                    situacao=Usuario.Situacao.ATIVO,
                    origem=Usuario.Origem.ADMINISTRACAO,
                    cpf_confirmado_em=timezone.now(),
                    cpf_confirmado_por=Usuario.ConfirmacaoCPF.ADMINISTRACAO,
                    is_staff=papel in ("admin", "staff"),
                    is_superuser=papel == "admin",
                )
        if papel == "staff":
            usuario.groups.add(Group.objects.get(name="Analista"))
        convidado = TokenAcesso.objects.filter(usuario=usuario).exists()
        if situacao == "pendente" and not convidado:
            services.reenviar_primeiro_acesso(usuario, evento="convite")
