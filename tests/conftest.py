"""Fixtures comuns: personas, caixa de saída e links dos e-mails."""

import re

import pytest
from django.core.cache import cache

from accounts.models import EmailSaida

from .factories import SENHA, UsuarioFactory

LINK = re.compile(r"https?://[^\s\"'<>]+")


@pytest.fixture(autouse=True)
def _cache_limpo():
    """Limites por IP e o termo vigente ficam no cache: cada teste começa do zero."""
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


def link_do_email(email, contem="/"):
    """O primeiro link do corpo de texto que contém ``contem``, como o destinatário o veria."""
    for link in LINK.findall(email.corpo_texto):
        if contem in link:
            return link
    raise AssertionError(f"Nenhum link com {contem!r} no e-mail {email.evento}")


def caminho(link):
    return re.sub(r"^https?://[^/]+", "", link)
