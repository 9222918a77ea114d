"""Estáticos com hash no nome e cache longo em todos os modos (issue #13, item 18)."""

import re

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.templatetags.static import static

import cagec.settings as configuracao_base

ESTATICO = re.compile(r"""(?:href|src)=["'](/static/[^"']+)["']""")
COM_HASH = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
IMUTAVEL = "max-age=315360000, public, immutable"


def _estaticos_da_pagina(resposta):
    urls = ESTATICO.findall(resposta.content.decode())
    assert urls, "a página não referencia nenhum estático"
    return urls


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["producao", "make-run"])
@pytest.mark.parametrize("endereco", ["/", "/entrar/", "/consulta/", "/nao-existe/"])
def test_todo_estatico_da_pagina_tem_hash_no_nome(client, settings, debug, endereco):
    settings.DEBUG = debug
    urls = _estaticos_da_pagina(client.get(endereco))
    assert [u for u in urls if not COM_HASH.search(u)] == []


@pytest.mark.django_db
def test_estaticos_da_pagina_de_quem_entrou_tem_hash(cliente_logado):
    urls = _estaticos_da_pagina(cliente_logado.get("/painel/"))
    assert len(urls) >= 4 and all(COM_HASH.search(u) for u in urls)


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["producao", "make-run"])
def test_estatico_com_hash_sai_com_cache_imutavel_de_dez_anos(client, settings, debug):
    settings.DEBUG = debug
    for url in _estaticos_da_pagina(client.get("/")):
        resposta = client.get(url)
        assert resposta.status_code == 200, url
        assert resposta["Cache-Control"] == IMUTAVEL, url


@pytest.mark.django_db
def test_nome_sem_hash_nao_e_imutavel(client):
    resposta = client.get("/static/css/portal.css")
    assert resposta.status_code == 200
    assert "immutable" not in resposta["Cache-Control"]


def test_todos_os_modos_usam_o_manifesto_sem_finders():
    """O módulo de configurações foi lido com DJANGO_DEBUG=true (o modo do make run)."""
    assert configuracao_base.DEBUG is True
    backend = configuracao_base.STORAGES["staticfiles"]["BACKEND"]
    assert backend == "cagec.lib.estaticos.EstaticosComprimidos"
    assert configuracao_base.WHITENOISE_USE_FINDERS is False
    assert configuracao_base.WHITENOISE_AUTOREFRESH is False


def test_arquivo_novo_entra_sem_configuracao_por_arquivo(settings, tmp_path):
    """Um JS novo numa pasta de estáticos ganha hash no próximo collectstatic, sem lista."""
    origem = tmp_path / "origem"
    (origem / "js").mkdir(parents=True)
    (origem / "js" / "novo-recurso.js").write_text("console.log('oi');\n")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, str(origem)]
    settings.STATIC_ROOT = str(tmp_path / "coletados")
    call_command("collectstatic", interactive=False, verbosity=0)

    url = static("js/novo-recurso.js")

    assert COM_HASH.search(url) and url.startswith("/static/js/novo-recurso.")
    assert (tmp_path / "coletados" / url.removeprefix("/static/")).exists()


def test_estatico_referenciado_e_nao_coletado_e_erro_nao_link_quebrado():
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        staticfiles_storage.url("js/nao-existe.js")
