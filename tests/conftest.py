"""Fixtures comuns: personas, caixa de saída e links dos e-mails."""

import re

import pytest
from django.core.cache import cache

from cagec.core.models import EmailSaida
from cagec.lib import disjuntor

from .factories import SENHA, UsuarioFactory

# Processos reais para os testes de falha (redis-server descartável e companhia).
pytest_plugins = ["tests.servicos"]

LINK = re.compile(r"https?://[^\s\"'<>]+")


# --- Estáticos com hash (issue #13, item 18) --------------------------------------------------
@pytest.fixture(scope="session", autouse=True)
def _estaticos_coletados():
    """``collectstatic`` uma vez por sessão (por processo do xdist) no STATIC_ROOT temporário.

    As páginas usam o manifesto (nomes com hash) como em produção: arquivo referenciado e não
    coletado é erro já nos testes. Cerca de 1 s; a pasta é apagada no fim.
    """
    import shutil

    from django.conf import settings
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    yield settings.STATIC_ROOT
    shutil.rmtree(settings.STATIC_ROOT, ignore_errors=True)


# --- fim dos estáticos ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _cache_limpo():
    """Limites por IP e o termo vigente ficam no cache: cada teste começa do zero.

    Também o disjuntor do Redis (cagec.lib.disjuntor): um teste que o abriu não deixa o
    cache desligado para os seguintes do mesmo processo.
    """
    for aberto in disjuntor.todos().values():
        aberto.reiniciar()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _termo_de_uso_semeado(django_db_setup, django_db_blocker):
    """Testes transacionais esvaziam as tabelas (inclusive o termo v1 da migração de dados)."""
    from importlib import import_module

    from django.apps import apps

    migracao = import_module("accounts.migrations.0002_termo_v1_e_auditoria_somente_inclusao")
    with django_db_blocker.unblock():
        migracao.criar_termo(apps, None)


@pytest.fixture
def senha():
    return SENHA


@pytest.fixture
def usuario(db):
    """Pessoa ativa que já aceitou o termo vigente."""
    return UsuarioFactory(aceitou_termo=True)


@pytest.fixture
def outro_usuario(db):
    return UsuarioFactory(aceitou_termo=True)


@pytest.fixture
def cliente_logado(client, usuario):
    client.force_login(usuario)
    return client


def ultimo_email(evento=None, para=None):
    qs = EmailSaida.objects.order_by("-pk")
    if evento:
        qs = qs.filter(evento=evento)
    if para:
        qs = qs.filter(destinatario=para)
    return qs.first()


def mensagem_entregue(email):
    """A mensagem que o destinatário recebeu por ``email`` (entrega agora se ainda pendente).

    Links de uso único só existem na mensagem entregue: a linha guarda o marcador.
    """
    from django.core import mail

    from cagec.lib import emails

    def achar():
        marca = f"<cagec-{email.pk}@"
        return next(
            (
                m
                for m in reversed(mail.outbox)
                if m.extra_headers.get("Message-ID", "").startswith(marca)
            ),
            None,
        )

    if achar() is None:
        emails.entregar(email.pk)
    mensagem = achar()
    assert mensagem is not None, f"O e-mail {email.evento} não foi entregue"
    return mensagem


def link_do_email(email, contem="/"):
    """O primeiro link do corpo de texto que contém ``contem``, como o destinatário o veria."""
    for link in LINK.findall(mensagem_entregue(email).body):
        if contem in link:
            return link
    raise AssertionError(f"Nenhum link com {contem!r} no e-mail {email.evento}")


def caminho(link):
    return re.sub(r"^https?://[^/]+", "", link)


# --- Personas de Parceiros ------------------------------------------------------------------------
@pytest.fixture
def rl(db):
    """Representante Legal ativo do Município de São José das Almas (``parceiro``)."""
    return UsuarioFactory(aceitou_termo=True, nome="Rita Representante")


@pytest.fixture
def parceiro(rl):
    from .factories import parceiro_com_rl

    return parceiro_com_rl(rl)


@pytest.fixture
def ri(parceiro, rl):
    """Responsável pelas Informações do ``parceiro``, incluído pelo RL (e que confirmou)."""
    from parceiros import services

    pessoa = UsuarioFactory(aceitou_termo=True, nome="Ivo Responsavel")
    vinculo = services.incluir_responsavel(parceiro, pessoa, ator=rl, cargo="Assessor")
    services.confirmar_responsavel(vinculo, ator=pessoa)
    return pessoa


@pytest.fixture
def outro_rl(db):
    """RL de outra organização (Associação São José): um estranho para ``parceiro``."""
    from .factories import CNPJ_ASSOCIACAO, parceiro_com_rl

    pessoa = UsuarioFactory(aceitou_termo=True, nome="Otto Outro")
    parceiro_com_rl(pessoa, cnpj=CNPJ_ASSOCIACAO, cargo="Presidente")
    return pessoa


@pytest.fixture
def analista(db):
    return UsuarioFactory(aceitou_termo=True, is_staff=True, nome="Ana Analista")


@pytest.fixture
def media_temporaria(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _dados_das_migracoes(_termo_de_uso_semeado, django_db_setup, django_db_blocker):
    """Catálogos, grupo Analista e motivos padrão vêm de migrações de dados.

    Testes transacionais esvaziam as tabelas; sem isto, quem roda depois deles numa suíte
    completa (``--reuse-db``) ficaria sem catálogos. Só recarrega quando estão vazios.
    """
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.models import Group

    from parceiros.catalogos import carregar_catalogos
    from parceiros.models import NaturezaJuridica

    with django_db_blocker.unblock():
        if not NaturezaJuridica.objects.exists():
            carregar_catalogos(apps)
        if not Group.objects.filter(name="Analista").exists():
            migracao = import_module("parceiros.migrations.0006_grupo_analista_e_motivos")
            migracao.criar_grupo_e_motivos(apps)
