"""Testes de navegador: Chromium do sistema (Debian) dirigido pelo Playwright contra o live_server.

* O Chromium é o do pacote Debian (``/usr/bin/chromium``); nunca ``playwright install``.
  Sem ele, o teste é pulado com o motivo, exceto na integração contínua (``CI``) ou quando
  ``CAGEC_EXIGIR_SERVICOS`` está definida: aí falha, para ninguém achar que passou.
* O Playwright síncrono roda um laço asyncio na thread principal; o ORM do Django recusaria
  consultas feitas do teste (``SynchronousOnlyOperation``). Como o teste só lê a caixa de
  saída e prepara dados, liberamos a verificação aqui, só para estes testes.
* Capturas de tela (página inteira) vão para ``artefatos/e2e/`` (ignorada pelo git): nos
  passos importantes (fixture ``tela``) e, automaticamente, quando um teste falha.
"""

import importlib
import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
ARGUMENTOS_CHROMIUM = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
RAIZ = Path(__file__).resolve().parents[2]
ARTEFATOS = RAIZ / "artefatos" / "e2e"
TEMPO_LIMITE_MS = 15_000
LARGURA_DESKTOP = {"width": 1280, "height": 900}


def _exigir_servicos() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("CAGEC_EXIGIR_SERVICOS"))


def _nome_arquivo(texto: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.-]+", "_", texto).strip("_")[:120]


# --- Resultado de cada fase, para a captura de tela em caso de falha ------------------------


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    relatorio = yield
    setattr(item, f"relatorio_{relatorio.when}", relatorio)
    return relatorio


# --- Navegador ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def navegador():
    if not CHROMIUM.exists():
        motivo = (
            f"Chromium não encontrado em {CHROMIUM}: instale o pacote Debian 'chromium' "
            "(os testes e2e não usam 'playwright install')."
        )
        if _exigir_servicos():
            pytest.fail(motivo + " CI/CAGEC_EXIGIR_SERVICOS está definida: o teste é obrigatório.")
        pytest.skip(motivo)
    from playwright.sync_api import expect, sync_playwright

    # Máquina de CI carregada: 5 s (padrão do expect) é pouco para uma página com POST.
    expect.set_options(timeout=TEMPO_LIMITE_MS)

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGUMENTOS_CHROMIUM
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def _media_url_para_o_live_server():
    """``MEDIA_URL = None`` (settings) quebra o servidor de testes do Django.

    O ``LiveServerThread`` embrulha o site num ``_MediaFilesHandler``, que faz
    ``urlparse(settings.MEDIA_URL)`` ao subir; com ``None`` o resultado vem em bytes e toda
    requisição termina em ``TypeError`` ("A server error occurred"). Enquanto a thread sobe,
    usamos uma URL absoluta num domínio ``.invalid``: com domínio, o handler nunca serve
    arquivo de mídia (``_should_handle`` exige URL sem domínio), então nada muda para o
    portal. Depois a configuração original volta (ver fixture ``live_server`` abaixo).
    """
    from django.conf import settings
    from django.test.utils import override_settings

    ajuste = {"override": None}
    if not isinstance(getattr(settings, "MEDIA_URL", ""), str):
        ajuste["override"] = override_settings(MEDIA_URL="http://midia-nao-servida.invalid/")
        ajuste["override"].enable()
    yield ajuste
    if ajuste.get("override") is not None:
        ajuste.pop("override").disable()


@pytest.fixture(scope="session")
def live_server(_media_url_para_o_live_server, _estaticos_coletados, request):
    """O servidor do pytest-django, subido com a ``MEDIA_URL`` provisória acima.

    Estáticos (issue #13, item 18): sem o ``StaticFilesHandler`` que o pytest-django põe na
    frente (ele procura nos finders e não conhece os nomes com hash); ``/static/`` passa pelo
    WhiteNoise do portal, como em produção, com os arquivos de ``_estaticos_coletados`` e os
    cabeçalhos de cache imutável.
    """
    from pytest_django.live_server_helper import LiveServer

    endereco = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    servidor = LiveServer(endereco, start=False)
    servidor.thread.static_handler = _sem_atalho_de_estaticos
    servidor.start()
    ajuste = _media_url_para_o_live_server
    if ajuste.get("override") is not None:
        # O handler já guardou a URL; o portal volta a ver MEDIA_URL = None.
        ajuste.pop("override").disable()
    yield servidor
    servidor.stop()


def _sem_atalho_de_estaticos(aplicacao):
    return aplicacao


@pytest.fixture
def termo_publicado(transactional_db):
    """O termo v1 vem de uma migração de dados; o flush do ``transactional_db`` o apaga.

    Recria com o mesmo texto da migração quando falta e limpa o cache do termo vigente.
    """
    from django.apps import apps
    from django.core.cache import cache

    from accounts import services

    migracao = importlib.import_module(
        "accounts.migrations.0002_termo_v1_e_auditoria_somente_inclusao"
    )
    migracao.criar_termo(apps, None)
    cache.delete(services.CACHE_TERMO_VIGENTE)
    termo = services.termo_vigente()
    assert termo is not None
    return termo


@pytest.fixture(scope="module", autouse=True)
def _repor_termo_no_fim(django_db_setup, django_db_blocker):
    """Deixa o banco de testes reaproveitável (``--reuse-db``) com o termo v1 depois do flush."""
    yield
    from django.apps import apps

    migracao = importlib.import_module(
        "accounts.migrations.0002_termo_v1_e_auditoria_somente_inclusao"
    )
    with django_db_blocker.unblock():
        migracao.criar_termo(apps, None)


# --- Dados das migrações (o flush de cada teste transacional os apaga) -------------------------


def _permissao(app, codigo):
    """A permissão ``app.codigo``; cria-a (e o tipo de conteúdo) se o flush a levou.

    O flush recria tipos de conteúdo e permissões pelo sinal ``post_migrate``, mas só para
    apps com ``models_module``; se algo o anulou no registro de apps real, as tabelas ficam
    vazias. Aqui não se depende disso: ``codigo`` é "<ação>_<modelo>".
    """
    from django.apps import apps
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    permissao = Permission.objects.filter(content_type__app_label=app, codename=codigo).first()
    if permissao is None:
        ContentType.objects.clear_cache()  # o cache pode guardar ids apagados pelo flush
        modelo = apps.get_model(app, codigo.partition("_")[2])
        permissao, _ = Permission.objects.get_or_create(
            content_type=ContentType.objects.get_for_model(modelo),
            codename=codigo,
            defaults={"name": codigo},
        )
    return permissao


def repor_dados_das_migracoes():
    """Catálogos, grupo Analista (com as permissões) e motivos padrão, só o que falta."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    from parceiros.catalogos import carregar_catalogos
    from parceiros.models import MotivoPadrao

    carregar_catalogos(apps)
    migracao = importlib.import_module("parceiros.migrations.0006_grupo_analista_e_motivos")
    grupo, _ = Group.objects.get_or_create(name="Analista")
    grupo.permissions.add(*(_permissao(app, codigo) for app, codigo in migracao.PERMISSOES))
    for titulo, texto in migracao.MOTIVOS:
        MotivoPadrao.objects.get_or_create(titulo=titulo, defaults={"texto": texto})


@pytest.fixture(autouse=True)
def _dados_das_migracoes(transactional_db):
    repor_dados_das_migracoes()


@pytest.fixture(scope="module", autouse=True)
def _repor_dados_no_fim(django_db_setup, django_db_blocker):
    """Deixa o banco reaproveitável (``--reuse-db``) com os dados das migrações."""
    yield
    with django_db_blocker.unblock():
        repor_dados_das_migracoes()


@pytest.fixture
def portal(live_server, settings, termo_publicado):
    """O live_server com os links dos e-mails apontando para ele (como o destinatário os vê)."""
    settings.PORTAL_URL_BASE = live_server.url
    return live_server


def _registrar_erros(page):
    """``page.erros_js``: exceções de JS, violações de CSP e CSS/JS/imagens que não carregaram.

    O status do documento em si (404 do link inválido, 429 do bloqueio) é esperado e não
    entra; o Chromium o anuncia no console como "Failed to load resource", por isso essa
    mensagem é ignorada no console e os recursos são conferidos pela resposta HTTP.
    """
    page.erros_js = []
    page.on("pageerror", lambda erro: page.erros_js.append(f"JS: {erro}"))

    def console(msg):
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            page.erros_js.append(f"console: {msg.text}")

    def resposta(resp):
        if resp.request.resource_type != "document" and resp.status >= 400:
            page.erros_js.append(f"{resp.status} {resp.url}")

    page.on("console", console)
    page.on("response", resposta)

    def falha(req):
        # O leitor de PDF do próprio Chromium (chrome-extension://) às vezes aborta pedidos
        # internos ao abrir o CRC: não é recurso do portal. ``net::ERR_ABORTED`` é o navegador
        # cancelando um pedido ainda em curso porque a página navegou (ex.: o favicon de uma
        # página que o teste já deixou): não é falha do portal — respostas 4xx/5xx são
        # conferidas acima, em ``resposta``.
        if not req.url.startswith("chrome-extension://") and req.failure != "net::ERR_ABORTED":
            page.erros_js.append(f"falhou {req.url}: {req.failure}")

    page.on("requestfailed", falha)


@pytest.fixture
def nova_aba(navegador, portal, request):
    """``nova_aba(**opcoes_do_contexto)``: aba num contexto limpo (sem cookies), já no portal.

    Padrão: 1280 px de largura. Se o teste falhar, cada aba aberta é capturada (página
    inteira) em ``artefatos/e2e/FALHA-<teste>[-N].png``.
    """
    contextos = []
    for antiga in ARTEFATOS.glob(f"FALHA-{_nome_arquivo(request.node.name)}*.png"):
        antiga.unlink()

    def abrir(**opcoes):
        opcoes = {"viewport": LARGURA_DESKTOP, "locale": "pt-BR", **opcoes}
        contexto = navegador.new_context(base_url=portal.url, **opcoes)
        contexto.set_default_timeout(TEMPO_LIMITE_MS)
        page = contexto.new_page()
        _registrar_erros(page)
        contextos.append((contexto, page))
        return page

    yield abrir
    falhou = any(
        getattr(getattr(request.node, f"relatorio_{fase}", None), "failed", False)
        for fase in ("setup", "call")
    )
    for indice, (contexto, page) in enumerate(contextos):
        if falhou:
            ARTEFATOS.mkdir(parents=True, exist_ok=True)
            sufixo = f"-{indice + 1}" if len(contextos) > 1 else ""
            destino = ARTEFATOS / f"FALHA-{_nome_arquivo(request.node.name)}{sufixo}.png"
            try:
                page.screenshot(path=str(destino), full_page=True)
                print(f"\nCaptura da falha: {destino} (em {page.url})")
            except Exception as erro:  # noqa: BLE001 — a captura nunca esconde a falha original
                print(f"\nNão foi possível capturar a tela da falha: {erro}")
        contexto.close()


@pytest.fixture
def pagina(nova_aba):
    """Aba padrão do teste (1280 px)."""
    return nova_aba()


@pytest.fixture
def tela(request):
    """``tela("passo"[, page])`` salva a página inteira em artefatos/e2e/<teste>-NN-passo.png.

    Sem ``page``, captura a aba padrão (fixture ``pagina``).
    """
    ARTEFATOS.mkdir(parents=True, exist_ok=True)
    prefixo = _nome_arquivo(request.node.name)
    for antigo in ARTEFATOS.glob(f"{prefixo}-*.png"):
        antigo.unlink()
    contador = iter(range(1, 100))

    def capturar(passo: str, page=None):
        page = page or request.getfixturevalue("pagina")
        destino = ARTEFATOS / f"{prefixo}-{next(contador):02d}-{_nome_arquivo(passo)}.png"
        page.screenshot(path=str(destino), full_page=True)
        return destino

    return capturar
