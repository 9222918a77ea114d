"""Uso diário por chave: cada chamada com chave conta; a dobra do Redis nunca soma duas vezes."""

import pytest
from django.utils import timezone

from api import tasks, uso
from api.models import ChaveApi, DobraDeUso, UsoDiarioChaveApi
from cagec.lib.cache import RedisCacheTolerante

from .apoio import ECO, com_chave, nova_chave

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls_teste")]
com_redis = pytest.mark.skipif(
    not isinstance(uso.cache_dos_limites(), RedisCacheTolerante), reason="precisa do Redis"
)


def _uso(chave):
    return dict(UsoDiarioChaveApi.objects.filter(chave=chave).values_list("dia", "chamadas"))


def _chamar(client, texto, vezes):
    for _ in range(vezes):
        assert client.get(ECO, **com_chave(texto)).status_code == 200


def test_chamadas_anonimas_nao_contam(client):
    chave, _ = nova_chave()
    client.get(ECO)
    tasks.dobrar_uso_das_chaves()
    assert _uso(chave) == {}


def test_cada_chamada_com_chave_conta_no_dia(client):
    chave, texto = nova_chave()
    outra, texto_da_outra = nova_chave("Outra")
    _chamar(client, texto, 3)
    _chamar(client, texto_da_outra, 1)
    tasks.dobrar_uso_das_chaves()
    hoje = timezone.localdate()
    assert _uso(chave) == {hoje: 3}
    assert _uso(outra) == {hoje: 1}
    assert ChaveApi.objects.get(pk=chave.pk).ultimo_uso_em is not None


def test_dobrar_de_novo_nao_soma_de_novo(client):
    chave, texto = nova_chave()
    _chamar(client, texto, 2)
    tasks.dobrar_uso_das_chaves()
    tasks.dobrar_uso_das_chaves()
    _chamar(client, texto, 1)
    tasks.dobrar_uso_das_chaves()
    assert _uso(chave) == {timezone.localdate(): 3}


@com_redis
def test_dobra_que_morreu_depois_do_commit_nao_soma_de_novo(client, monkeypatch):
    """A tarefa somou e confirmou, mas morreu antes de apagar o lote: a próxima só apaga."""
    chave, texto = nova_chave()
    _chamar(client, texto, 4)
    cliente = uso.cache_dos_limites()._cache.get_client(None, write=True)

    def morrer(*_chaves):
        raise SystemExit("worker morto")

    with monkeypatch.context() as remendo:
        remendo.setattr(cliente, "delete", morrer)
        with pytest.raises(SystemExit):
            uso.dobrar()
    assert _uso(chave) == {timezone.localdate(): 4}
    assert DobraDeUso.objects.count() == 1
    assert uso.dobrar() == 0
    assert _uso(chave) == {timezone.localdate(): 4}
    assert not list(cliente.scan_iter(match="*api:uso:*"))


@com_redis
def test_dobra_que_morreu_antes_do_commit_soma_na_proxima(client, monkeypatch):
    chave, texto = nova_chave()
    _chamar(client, texto, 2)

    def morrer(*_args, **_kwargs):
        raise SystemExit("worker morto")

    with monkeypatch.context() as remendo:
        remendo.setattr(uso, "somar", morrer)
        with pytest.raises(SystemExit):
            uso.dobrar()
    assert _uso(chave) == {}
    _chamar(client, texto, 1)  # chamadas novas vão para um hash novo do dia
    assert uso.dobrar() == 3
    assert _uso(chave) == {timezone.localdate(): 3}
