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

import contextlib
import importlib
import json
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
    auditor = AuditorAxe(portal.url)  # axe-core em cada página (bloco no fim deste arquivo)
    for antiga in ARTEFATOS.glob(f"FALHA-{_nome_arquivo(request.node.name)}*.png"):
        antiga.unlink()

    def abrir(**opcoes):
        opcoes = {"viewport": LARGURA_DESKTOP, "locale": "pt-BR", **opcoes}
        contexto = navegador.new_context(base_url=portal.url, **opcoes)
        contexto.set_default_timeout(TEMPO_LIMITE_MS)
        # axe-core é JavaScript: numa aba sem JavaScript não roda (e esperar por ele travaria);
        # as mesmas páginas são auditadas nos testes com JavaScript.
        auditada = opcoes.get("java_script_enabled", True)
        if auditada:
            auditor.ligar(contexto)
        page = contexto.new_page()
        _registrar_erros(page)
        contextos.append((contexto, page, auditada))
        return page

    yield abrir
    falhou = any(
        getattr(getattr(request.node, f"relatorio_{fase}", None), "failed", False)
        for fase in ("setup", "call")
    )
    for indice, (contexto, page, auditada) in enumerate(contextos):
        if falhou:
            ARTEFATOS.mkdir(parents=True, exist_ok=True)
            sufixo = f"-{indice + 1}" if len(contextos) > 1 else ""
            destino = ARTEFATOS / f"FALHA-{_nome_arquivo(request.node.name)}{sufixo}.png"
            try:
                page.screenshot(path=str(destino), full_page=True)
                print(f"\nCaptura da falha: {destino} (em {page.url})")
            except Exception as erro:  # noqa: BLE001 — a captura nunca esconde a falha original
                print(f"\nNão foi possível capturar a tela da falha: {erro}")
        for aberta in contexto.pages if auditada else []:  # a última página também é auditada
            auditor.esperar(aberta)
        contexto.close()
    print("\n" + auditor.resumo())
    if auditor.violacoes:
        pytest.fail(auditor.relatorio(), pytrace=False)


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


# === axe-core em toda página visitada (issue #13, "Done when") ================================
# Cada aba aberta por ``nova_aba`` é auditada com o axe-core (``tests/e2e/vendor/axe-core``,
# do npm, só para os testes; nunca servido aos usuários). Como:
#
# * **Injeção**: ``add_init_script`` (protocolo de depuração) põe o axe em cada documento antes
#   dos scripts do portal. A CSP do portal recusaria ``add_script_tag`` (script inline) e não se
#   usa ``bypass_csp``: os testes continuam pegando qualquer violação de CSP do próprio portal.
# * **Quando**: no ``load`` do documento (e um instante depois, para o portal.js terminar), só no
#   quadro principal, só em HTML da origem do portal (PDF do CRC, ``about:blank`` e o quadro do
#   visualizador ficam de fora). O resultado volta ao Python por ``expose_binding``. Auditar
#   do Python, num evento ou numa rota, não serve: o Playwright síncrono roda os eventos em outra
#   greenlet (a página mudaria no meio da análise) e, com a navegação seguinte presa numa rota,
#   ``evaluate`` não responde.
# * **Uma vez por página e por teste**: a chave é o caminho da URL, mais "com erros" quando o
#   formulário voltou com erros. Uma página que o teste deixa antes de a análise terminar
#   (raro: leva uma fração de segundo) só é auditada se voltar a ela; a última página de cada
#   aba é sempre esperada no fim do teste.
# * **O que reprova** (no teardown): violação ``serious`` ou ``critical`` das regras WCAG 2.0/2.1
#   A e AA e das boas práticas do axe, listando URL, regra, seletores e o texto de ajuda.
# * O admin do Django entra como qualquer outra página.

AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_OPCOES = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
    "iframes": False,  # os quadros (o visualizador de PDF) não são auditados aqui
    # Sem pré-carregar as folhas de estilo: para ler um ``@import`` (o CSS do admin tem) o axe
    # cria um ``<style>``, que a CSP recusa com um erro no console. Só a regra
    # css-orientation-lock depende disso (e o portal não trava a orientação).
    "preload": False,
}
AXE_IMPACTOS_QUE_REPROVAM = ["serious", "critical"]
AXE_NO_DOCUMENTO = """
if (window.top === window && location.origin === __ORIGEM__) {
__AXE__
  window.__cagecAxeFim = new Promise((terminar) => {
    const auditar = async () => {
      try {
        if (document.contentType !== "text/html" || !window.__cagecAxeVer) return;
        const comErros = document.querySelector("#resumo-erros, [aria-invalid=true]");
        const chave = location.pathname + (comErros ? " (com erros)" : "");
        if (!(await window.__cagecAxeVer(chave))) return;
        const resultado = await window.axe.run(document, __OPCOES__);
        const graves = resultado.violations
          .filter((v) => __IMPACTOS__.includes(v.impact))
          .map((v) => ({
            regra: v.id, impacto: v.impact, ajuda: v.help, url_ajuda: v.helpUrl,
            alvos: v.nodes.slice(0, 5).map((n) => n.target.join(" ")), total: v.nodes.length,
          }));
        await window.__cagecAxeRelatar(chave, location.href, graves);
      } catch (erro) {
        await window.__cagecAxeRelatar("", location.href, [{regra: "axe-erro",
          impacto: "critical", ajuda: String(erro), url_ajuda: "", alvos: [], total: 0}]);
      } finally {
        terminar();
      }
    };
    window.addEventListener("load", () => setTimeout(auditar, 50), {once: true});
  });
}
"""


class AuditorAxe:
    """Recebe as análises do axe das abas de um teste; uma vez por página (ver acima)."""

    def __init__(self, origem: str):
        self.origem = origem.rstrip("/")
        self.vistas: set[str] = set()  # análises concluídas
        self.deixadas: set[str] = set()  # começadas, mas a página mudou antes do fim
        self.violacoes: list[str] = []

    def _script(self) -> str:
        return (
            AXE_NO_DOCUMENTO.replace("__ORIGEM__", json.dumps(self.origem))
            .replace("__OPCOES__", json.dumps(AXE_OPCOES))
            .replace("__IMPACTOS__", json.dumps(AXE_IMPACTOS_QUE_REPROVAM))
            .replace("__AXE__", AXE_JS.read_text(encoding="utf-8"))
        )

    def ligar(self, contexto) -> None:
        contexto.expose_binding("__cagecAxeVer", lambda _origem, chave: self._nova(chave))
        contexto.expose_binding(
            "__cagecAxeRelatar", lambda _origem, chave, url, v: self._relatar(chave, url, v)
        )
        contexto.add_init_script(self._script())

    def _nova(self, chave: str) -> bool:
        """Analisar esta página? Sim, se nenhuma análise dela terminou (a deixada volta)."""
        if chave in self.vistas:
            return False
        self.deixadas.add(chave)
        return True

    def _relatar(self, chave: str, url: str, violacoes: list[dict]) -> None:
        self.deixadas.discard(chave)
        self.vistas.add(chave)
        for v in violacoes:
            alvos = "; ".join(v["alvos"]) + (" …" if v["total"] > len(v["alvos"]) else "")
            linha = (
                f"{url} — {v['regra']} ({v['impacto']}, {v['total']}×): {v['ajuda']} — "
                f"{alvos} — {v['url_ajuda']}"
            )
            if linha not in self.violacoes:
                self.violacoes.append(linha)

    def resumo(self) -> str:
        texto = f"axe-core auditou {len(self.vistas)} página(s): {sorted(self.vistas)}"
        if self.deixadas:
            texto += f"; deixadas antes do fim da análise: {sorted(self.deixadas)}"
        return texto

    def esperar(self, page) -> None:
        """Espera a análise da página que está na aba (a última do teste) terminar."""
        # Aba fechada ou documento já trocado: nada a esperar.
        with contextlib.suppress(Exception):
            page.evaluate("() => window.__cagecAxeFim")

    def relatorio(self) -> str:
        linhas = "\n  ".join(self.violacoes)
        return f"axe-core: {len(self.violacoes)} violação(ões) serious/critical:\n  {linhas}"


# === fim do bloco axe-core ====================================================================
