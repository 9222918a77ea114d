"""Dados de demonstração do modo embutido. Idempotente: rodar de novo não duplica nada.

Cria um superusuário com a senha impressa no README: só roda no modo embutido
(``DJANGO_DEBUG=true``, como o ``make run``), nunca numa instalação de verdade.
"""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Usuario
from cagec.core.models import EmailSaida
from cagec.lib.documentos import calcular_dv_cpf, formatar_cpf
from cagec.lib.email_console import links_da_mensagem
from cagec.lib.entrega import entregar

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

PAPEIS = {"admin": "administração (superusuária)", "staff": "analista"}


class Command(BaseCommand):
    help = "Carrega pessoas de demonstração e imprime os acessos."

    def handle(self, *args: Any, **options: Any) -> None:
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
        self._resumo()

    def _resumo(self) -> None:
        """Quem entra com a senha da demonstração e quem ainda tem convite pendente.

        Vale para a 1ª e para as seguintes execuções: a situação é lida do banco, e quem ainda
        não ativou a conta recebe um convite novo a cada execução (o link impresso numa
        execução passada, talvez já usado ou vencido, deixa de valer). Os convites saem antes
        do resumo: o e-mail impresso no console não o parte ao meio.
        """
        linhas, convites = [], []
        for cpf, nome, _email, papel, situacao in PESSOAS:
            usuario = Usuario.objects.get(cpf=cpf)
            if usuario.situacao == Usuario.Situacao.PENDENTE:
                convites.append((nome, _convite_novo(usuario)))
                nota = "convite pendente (link abaixo)"
            elif situacao == "pendente":
                nota = "pré-cadastrado que já ativou a conta (entra com a senha que criou)"
            else:
                nota = PAPEIS.get(papel, papel)
            linhas.append(f"  {formatar_cpf(cpf)}  {nome:<28} {nota}")
        self.stdout.write(self.style.SUCCESS(f"\nAcessos de demonstração (senha: {SENHA_DEMO})"))
        self.stdout.write("\n".join(linhas))
        horas = int(settings.PRIMEIRO_ACESSO_VALIDADE.total_seconds() // 3600)
        for nome, link in convites:
            self.stdout.write(f"\nConvite de {nome} (link novo, vale {horas} h, uso único):")
            self.stdout.write(f"  {link}")
        self.stdout.write(
            "\n  Portal: http://127.0.0.1:8000/   Administração: http://127.0.0.1:8000/admin/\n"
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


class _GuardaCopia(BaseEmailBackend):
    """Envia pelo ``EMAIL_BACKEND`` de sempre (o console) e guarda as mensagens enviadas."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.enviadas: list[EmailMessage] = []

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.enviadas.extend(email_messages)
        return get_connection().send_messages(email_messages) or 0


def _convite_novo(usuario: Usuario) -> str:
    """Convite novo pelo serviço de contas; devolve o link que o e-mail levou.

    O token só existe na mensagem entregue (``TokenAcesso.MARCADOR``): o e-mail é entregue
    aqui mesmo, por uma conexão que guarda a cópia, antes da fila (que depois não o reenvia).
    """
    copia = _GuardaCopia()
    with transaction.atomic():
        services.reenviar_primeiro_acesso(usuario, evento="convite")
        email = EmailSaida.objects.filter(usuario=usuario, evento="convite").latest("pk")
        entregar(email.pk, conexao=copia)
    caminho = reverse("accounts:primeiro_acesso", args=["x"]).removesuffix("x/")
    links = [link for m in copia.enviadas for link in links_da_mensagem(m) if caminho in link]
    return links[0] if links else "(e-mail não entregue: veja o console)"
