"""Configuração única do Portal CAGEC, dirigida por variáveis de ambiente.

Sem variáveis, o portal roda no modo embutido (SQLite, Celery "eager", e-mail no
console) desde que DJANGO_DEBUG=true. Em produção: DJANGO_SECRET_KEY,
DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL e EMAIL_URL. Ver .env.example.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue
from whitenoise.compress import Compressor
from xstatic.pkg import bootstrap

from cagec.lib.rede import redes_confiaveis

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Defina DJANGO_SECRET_KEY (obrigatória fora do desenvolvimento)."
        )
    SECRET_KEY = "desenvolvimento-inseguro-nao-use-em-producao"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Defina DJANGO_ALLOWED_HOSTS em produção.")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Endereço público do portal, usado nos links dos e-mails e PDFs (gerados fora de um request).
PORTAL_URL_BASE = env.str("PORTAL_URL_BASE", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "cagec.core",
    "cagec.worker",
    "accounts",
    "parceiros",
    "declaracoes",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Disco cheio (mídia, ou o temporário do upload lido pelo CSRF): 503 amigável, não 500.
    "cagec.lib.armazenamento.ArmazenamentoIndisponivelMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SemCacheParaQuemEntrouMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessaoInativaMiddleware",
    "accounts.middleware.TermoUsoMiddleware",
    "accounts.middleware.EmailObrigatorioMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "axes.middleware.AxesMiddleware",
    # Por último (ver cagec/middleware.py): só age com DEBUG ligado, como no `make run`.
    "cagec.middleware.PaginasDeErroDoPortalMiddleware",
]
# --- Modo embutido: páginas de erro do portal mesmo com DEBUG ---------------------------------
# O `make run` liga o DEBUG por conveniência; as páginas técnicas de 404/500 do Django só
# confundem quem está conhecendo o portal. DJANGO_PAGINAS_DE_ERRO_TECNICAS=true as devolve.
PAGINAS_DE_ERRO_DO_PORTAL = not env.bool("DJANGO_PAGINAS_DE_ERRO_TECNICAS", default=False)
# --- fim do bloco do modo embutido ----------------------------------------------------------

ROOT_URLCONF = "cagec.urls"
WSGI_APPLICATION = "cagec.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Banco de dados -----------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Conexões persistentes com verificação de saúde: sem isso cada página paga a conexão.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Sem cursores no servidor: .iterator() (listas de escolha) custaria DECLARE/FETCH/CLOSE
# a mais, e eles não funcionam atrás de um pooler em modo transação (PgBouncer).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Banco fora do ar: 503 com "Retry-After" (segundos) e a página "Serviço temporariamente
# indisponível" (cagec.views.servico_indisponivel), também no /saude/.
INDISPONIVEL_TENTAR_DE_NOVO_SEGUNDOS = env.int("INDISPONIVEL_TENTAR_DE_NOVO_SEGUNDOS", default=30)

# --- Redis: cache, sessões, fila ------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Redis congelado (aceita a conexão e nunca responde): cada operação do cache espera no
# máximo REDIS_TEMPO_LIMITE; a primeira que esgota abre o disjuntor do processo e, por
# REDIS_DISJUNTOR_JANELA segundos, cache, limites e publicação de tarefas nem tentam o Redis
# (cagec/lib/disjuntor.py). Depois, um pedido testa; se responder, tudo volta sozinho.
REDIS_TEMPO_LIMITE = env.float("REDIS_TEMPO_LIMITE", default=0.5)
REDIS_DISJUNTOR_JANELA = env.float("REDIS_DISJUNTOR_JANELA", default=15.0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "cagec.lib.cache.RedisCacheTolerante",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="cagec"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TEMPO_LIMITE,
                "socket_timeout": REDIS_TEMPO_LIMITE,
            },
        }
    }
    # Os limites por IP e por alvo contam numa ida ao Redis por limite (cagec.lib.cache).
    CACHES["limites"] = {**CACHES["default"], "BACKEND": "cagec.lib.cache.LimitesRedis"}
    RATELIMIT_USE_CACHE = "limites"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # O limite por IP fica por processo no modo embutido; em produção REDIS_URL é obrigatório.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
# Sessões só no banco (uma consulta por chave primária por pedido logado), não em cached_db:
# com o Redis congelado, um logout ou um encerramento de sessões gravado só no banco deixaria
# a cópia antiga no Redis valendo quando ele voltasse; e cada pedido logado ia ao Redis.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SILENCED_SYSTEM_CHECKS = [
    *globals().get("SILENCED_SYSTEM_CHECKS", []),
    # O axes bloqueia só por CPF de propósito: bloquear por IP derrubaria uma prefeitura
    # inteira atrás do mesmo NAT. O limite por IP é o django-ratelimit em /entrar/.
    "axes.W006",
]

CELERY_BROKER_URL = REDIS_URL or "memory://"
# O transporte Redis do kombu com a correção do worker que caía quando o Redis reiniciava
# com tarefas não confirmadas (ver cagec/worker/transporte.py).
CELERY_BROKER_TRANSPORT = "cagec.worker.transporte:Transport" if REDIS_URL else None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "America/Sao_Paulo"
# Enfileirar falha em ≤ 1 s quando o Redis cai; a varredura da caixa de saída cobre o resto.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    # Uma mensagem entregue e não confirmada (worker morto com kill -9) volta à fila depois
    # disto. Não é mais o que retoma o trabalho (o beat retoma pelo estado do banco: convites,
    # importações, caixa de saída); só precisa passar da tarefa mais longa (importação, 30 min),
    # senão uma tarefa viva seria entregue a outro worker no meio.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2400),
    "max_retries": 0,
}
# Intervalo do beat para o trabalho retomado pelo banco (convites, importações paradas,
# batimento do worker). Um minuto em produção; os testes de falha encurtam.
FILA_INTERVALO = timedelta(seconds=env.int("FILA_INTERVALO_SEGUNDOS", default=60))
CELERY_BEAT_SCHEDULE = {
    "varrer-caixa-de-saida": {
        "task": "accounts.tasks.varrer_caixa_de_saida",
        "schedule": timedelta(minutes=1),
    },
    # Trabalho agendado pelo estado do banco (a fila só acelera; ver docs/operacao.md,
    # "Falhas: fila, worker e importação"). Mensagens do beat que esperaram demais na fila
    # (worker parado) expiram em vez de se acumular.
    "processar-convites": {
        "task": "accounts.tasks.processar_convites",
        "schedule": FILA_INTERVALO,
        "options": {"expires": FILA_INTERVALO.total_seconds() * 0.9},
    },
    "retomar-importacoes-paradas": {
        "task": "parceiros.tasks.retomar_importacoes_paradas",
        "schedule": FILA_INTERVALO,
        "options": {"expires": FILA_INTERVALO.total_seconds() * 0.9},
    },
    # Batimento do worker: /saude/prontidao/ mostra "worker" em atenção/falha quando para.
    "batimento-do-worker": {
        "task": "cagec.worker.tasks.bater",
        "schedule": FILA_INTERVALO,
        "options": {"expires": FILA_INTERVALO.total_seconds() * 0.9},
    },
    "varrer-pedidos-de-recuperacao": {
        "task": "accounts.tasks.varrer_pedidos_de_recuperacao",
        "schedule": timedelta(minutes=1),
    },
    # Inscrições nunca ativadas cujo link venceu liberam o CPF (ver accounts.services).
    "expirar-inscricoes": {
        "task": "accounts.tasks.expirar_inscricoes",
        "schedule": timedelta(hours=1),
    },
    "rotina-diaria-situacao": {
        "task": "parceiros.tasks.rotina_diaria",
        # Logo depois da meia-noite: documentos vencidos ontem deixam de valer hoje, e a
        # situação guardada (consulta, verificação) só fica desatualizada por minutos.
        "schedule": crontab(hour=0, minute=5),
    },
    "varrer-arquivos-orfaos": {
        "task": "parceiros.tasks.varrer_arquivos_orfaos",
        "schedule": crontab(hour=3, minute=30),
    },
    # Dados abertos (/dados-abertos/): depois do recálculo da situação das 00:05, que leva
    # menos de um minuto com 100 000 Parceiros; os arquivos trazem a situação do dia.
    "gerar-dados-abertos": {
        "task": "declaracoes.tasks.gerar_dados_abertos",
        "schedule": crontab(hour=1, minute=0),
    },
}

# Linhas por lote gravado (uma transação e um carimbo de progresso cada); 0 = o padrão (5 000).
IMPORTACAO_TAMANHO_LOTE = env.int("IMPORTACAO_TAMANHO_LOTE", default=0)
# Importação "importando" sem progresso (lote gravado ou espera pela trava) há mais que isto
# é retomada pelo beat, do lote em que parou.
IMPORTACAO_SEM_PROGRESSO = timedelta(
    seconds=env.int("IMPORTACAO_SEM_PROGRESSO_SEGUNDOS", default=600)
)
# Batimento do worker (cagec.worker): mais velho que isto deixa "worker" em atenção / falha.
WORKER_BATIMENTO_ATENCAO = timedelta(
    seconds=env.int("WORKER_BATIMENTO_ATENCAO_SEGUNDOS", default=180)
)
WORKER_BATIMENTO_FALHA = timedelta(seconds=env.int("WORKER_BATIMENTO_FALHA_SEGUNDOS", default=600))

# --- Usuários e senhas -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.Usuario"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Recusa tudo enquanto o gov.br não estiver configurado (ver "gov.br" abaixo).
    "accounts.govbr.GovBrBackend",
]
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2CagecPasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("cpf", "nome", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "accounts.validators.ComplexidadeValidator"},
    {"NAME": "accounts.validators.SenhaDiferenteDaAtualValidator"},
]
LOGIN_URL = "accounts:entrar"
LOGIN_REDIRECT_URL = "accounts:painel"
LOGOUT_REDIRECT_URL = "home"

PRIMEIRO_ACESSO_VALIDADE = timedelta(hours=env.int("PRIMEIRO_ACESSO_HORAS", default=72))
# Convites a pré-cadastrados: no máximo tantos por intervalo do beat (FILA_INTERVALO, um
# minuto), contados no banco (não estourar o SMTP).
CONVITES_POR_MINUTO = env.int("CONVITES_POR_MINUTO", default=200)
# Importação de cadastro: recusa antes de ler um arquivo com linhas demais ou um XLSX que
# descompactado passaria deste tamanho (zip bomb). Acima do benchmark de 100 000 linhas.
IMPORTACAO_LINHAS_MAXIMO = env.int("IMPORTACAO_LINHAS_MAXIMO", default=250_000)
IMPORTACAO_XLSX_DESCOMPACTADO_MAXIMO = (
    env.int("IMPORTACAO_XLSX_DESCOMPACTADO_MAXIMO_MB", default=400) * 1024 * 1024
)
RECUPERACAO_SENHA_VALIDADE = timedelta(hours=1)
TROCA_EMAIL_VALIDADE = timedelta(hours=24)
# Bombardeio de e-mails pelas páginas públicas (tentativa de inscrição, recuperação, primeiro
# acesso): no máximo N por endereço e por evento a cada hora; 0 desliga o limite.
EMAILS_POR_DESTINATARIO_POR_HORA = env.int("EMAILS_POR_DESTINATARIO_POR_HORA", default=3)
# Na validação de cadastro, pedir também o e-mail registrado (além do CPF).
PRIMEIRO_ACESSO_CONFIRMAR_EMAIL = env.bool("PRIMEIRO_ACESSO_CONFIRMAR_EMAIL", default=False)

# Sessões: absoluta de 12 h (o cookie não é renovado), inatividade de 30 min (middleware).
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSAO_INATIVIDADE = timedelta(minutes=env.int("SESSAO_INATIVIDADE_MINUTOS", default=30))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Bloqueio por CPF (django-axes): 5 falhas seguidas, 15 min; o limite por IP é do login.
AXES_FAILURE_LIMIT = env.int("LOGIN_FALHAS_MAXIMAS", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_BLOQUEIO_MINUTOS", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.autenticacao.cpf_da_tentativa"
AXES_CLIENT_STR_CALLABLE = "accounts.autenticacao.descricao_da_tentativa"
AXES_LOCKOUT_CALLABLE = "accounts.views.login_bloqueado"
AXES_VERBOSE = False  # o axes registraria o CPF completo no log; registramos nós, mascarado.
AXES_ENABLE_ADMIN = True
AXES_PASSWORD_FORM_FIELD = "senha"
AXES_SENSITIVE_PARAMETERS = ["senha", "password", "csrfmiddlewaretoken"]
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Só o que o bloqueio usa: entradas bem-sucedidas já estão na auditoria (usuario.login); o
# "username" é o CPF mascarado + HMAC (accounts.autenticacao) e o GET/POST não é gravado.
AXES_DISABLE_ACCESS_LOG = True
# Logins por senha são sempre POST. O único authenticate() em GET é o retorno do gov.br, sem
# CPF na requisição: contá-lo para o axes acumularia falhas num "CPF vazio" comum a todos.
AXES_NEVER_LOCKOUT_GET = True
# IP do cliente (cagec.lib.rede), o mesmo para limites, axes e auditoria: o X-Forwarded-For
# só vale quando a conexão vem de um destes proxies (IPs ou redes CIDR, separados por
# vírgula). Vazio: vale só REMOTE_ADDR. Ver docs/operacao.md.
PROXIES_CONFIAVEIS = env.list("PROXIES_CONFIAVEIS", default=[])
redes_confiaveis(tuple(PROXIES_CONFIAVEIS))  # valor inválido: erro claro já na partida
AXES_CLIENT_IP_CALLABLE = "cagec.lib.rede.ip_do_cliente"
RATELIMIT_IP_META_KEY = "cagec.lib.rede.ip_para_limites"
LOGIN_LIMITE_POR_IP = env.str("LOGIN_LIMITE_POR_IP", default="30/m")
FORMULARIOS_PUBLICOS_LIMITE_POR_IP = env.str("FORMULARIOS_PUBLICOS_LIMITE_POR_IP", default="20/m")
# Por alvo, venham de quantos IPs vierem (cagec.lib.limites): inscrição e recuperação de
# senha por CPF e por e-mail; primeiro acesso por convite.
FORMULARIOS_PUBLICOS_LIMITE_POR_CPF = env.str("FORMULARIOS_PUBLICOS_LIMITE_POR_CPF", default="5/h")
FORMULARIOS_PUBLICOS_LIMITE_POR_EMAIL = env.str(
    "FORMULARIOS_PUBLICOS_LIMITE_POR_EMAIL", default="5/h"
)
PRIMEIRO_ACESSO_LIMITE_POR_CONVITE = env.str("PRIMEIRO_ACESSO_LIMITE_POR_CONVITE", default="10/h")
# Área pública (consulta, CRC, verificação, exportação), por IP.
CONSULTA_LIMITE_POR_IP = env.str("CONSULTA_LIMITE_POR_IP", default="120/m")
CRC_LIMITE_POR_IP = env.str("CRC_LIMITE_POR_IP", default="60/m")
VERIFICACAO_LIMITE_POR_IP = env.str("VERIFICACAO_LIMITE_POR_IP", default="30/m")
EXPORTACAO_LIMITE_POR_IP = env.str("EXPORTACAO_LIMITE_POR_IP", default="30/m")
# Downloads dos arquivos de dados abertos (dezenas de MB cada), por IP.
DADOS_ABERTOS_LIMITE_POR_IP = env.str("DADOS_ABERTOS_LIMITE_POR_IP", default="10/m")
# Exportação somada de todos os visitantes: planilha e PDF de até CONSULTA_EXPORTACAO_MAXIMO
# linhas é o trabalho mais caro do portal. CRC e verificação não têm limite por CNPJ ou
# código: um só IP esgotaria o limite de um documento público para todos.
EXPORTACAO_LIMITE_GLOBAL = env.str("EXPORTACAO_LIMITE_GLOBAL", default="120/m")
CONSULTA_EXPORTACAO_MAXIMO = env.int("CONSULTA_EXPORTACAO_MAXIMO", default=10000)
CONSULTA_CONTAGEM_MAXIMA = env.int("CONSULTA_CONTAGEM_MAXIMA", default=200)
# Oráculos de CPF (issue #11): buscas por CPF de outra pessoa, por conta e por dia.
CONSULTA_CPF_LIMITE_DIARIO = env.int("CONSULTA_CPF_LIMITE_DIARIO", default=20)
# --- ciclo: prazo de análise ----------------------------------------------------------------
# Dias úteis (segunda a sexta) que a equipe do CAGEC leva, em geral, para decidir uma
# solicitação: a assinatura, o envio e os e-mails mostram a data prevista.
PRAZO_ANALISE_DIAS_UTEIS = env.int("PRAZO_ANALISE_DIAS_UTEIS", default=15)
BUSCA_PESSOA_LIMITE_DIARIO = env.int("BUSCA_PESSOA_LIMITE_DIARIO", default=10)
RATELIMIT_VIEW = "cagec.views.limite_excedido"
# Redis fora: o limite por IP deixa de valer (o bloqueio por CPF do axes fica no banco).
RATELIMIT_FAIL_OPEN = True
CSRF_FAILURE_VIEW = "cagec.views.falha_csrf"

# --- gov.br (Login Único, OpenID Connect via mozilla-django-oidc) -------------------------
# Desligado por padrão: sem GOVBR_URL_BASE, GOVBR_CLIENT_ID e GOVBR_CLIENT_SECRET o botão
# some e /govbr/... responde 404 (accounts.govbr.configurado). GOVBR_URL_BASE é o emissor
# (https://sso.acesso.gov.br, homologação https://sso.staging.acesso.gov.br); os endereços
# de cada endpoint saem dele, ou das variáveis GOVBR_URL_* quando o provedor for diferente.
GOVBR_URL_BASE = env.str("GOVBR_URL_BASE", default="").rstrip("/")
GOVBR_CLIENT_ID = env.str("GOVBR_CLIENT_ID", default="")
GOVBR_CLIENT_SECRET = env.str("GOVBR_CLIENT_SECRET", default="")


def _url_govbr(variavel, caminho):
    return env.str(variavel, default=f"{GOVBR_URL_BASE}{caminho}" if GOVBR_URL_BASE else "")


OIDC_RP_CLIENT_ID = GOVBR_CLIENT_ID
OIDC_RP_CLIENT_SECRET = GOVBR_CLIENT_SECRET
OIDC_OP_AUTHORIZATION_ENDPOINT = _url_govbr("GOVBR_URL_AUTORIZACAO", "/authorize")
OIDC_OP_TOKEN_ENDPOINT = _url_govbr("GOVBR_URL_TOKEN", "/token")
OIDC_OP_USER_ENDPOINT = _url_govbr("GOVBR_URL_USERINFO", "/userinfo/")
OIDC_OP_JWKS_ENDPOINT = _url_govbr("GOVBR_URL_JWKS", "/jwk")
OIDC_RP_SCOPES = env.str("GOVBR_ESCOPOS", default="openid email profile govbr_confiabilidades")
OIDC_RP_SIGN_ALGO = "RS256"  # id_token assinado pelo provedor, conferido com a chave do JWKS
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_TOKEN_USE_BASIC_AUTH = True  # client_secret_basic, como o gov.br exige
OIDC_USE_NONCE = True
OIDC_CREATE_USER = False  # só entra quem já tem conta (por CPF); ver GovBrBackend
OIDC_TIMEOUT = env.float("GOVBR_TEMPO_LIMITE", default=10.0)
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:govbr_retorno"
LOGIN_REDIRECT_URL_FAILURE = "/entrar/"

# --- Internacionalização ----------------------------------------------------------------
LANGUAGE_CODE = "pt-br"
LANGUAGES = [("pt-br", "Português (Brasil)")]
TIME_ZONE = "America/Sao_Paulo"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False
# [formatos] Datas do Django em dd/mm/aaaa (não por extenso): cagec/formatos_locais/pt_BR.
FORMAT_MODULE_PATH = ["cagec.formatos_locais"]

# --- Arquivos -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]


def _pasta_bootstrap():
    return ("bootstrap", bootstrap.BASE_DIR)


STATICFILES_DIRS.append(_pasta_bootstrap())
# Em todos os modos (embutido, pilha completa, produção): nomes com o hash do conteúdo, do
# manifesto do `collectstatic` (o `make run` o roda quando algo em static/ muda), servidos
# pelo WhiteNoise a partir de STATIC_ROOT com "Cache-Control: max-age=315360000, public,
# immutable". Nada de finders nem autorefresh: o que sai é exatamente o que foi coletado,
# inclusive com DEBUG. Ver cagec/lib/estaticos.py.
STORAGES = {
    # Gravação atômica (temporário + link): disco cheio não deixa arquivo truncado nem de
    # 0 byte com o nome final, e vira mensagem no formulário (cagec/lib/armazenamento.py).
    "default": {"BACKEND": "cagec.lib.armazenamento.ArmazenamentoAtomico"},
    "staticfiles": {"BACKEND": "cagec.lib.estaticos.EstaticosComprimidos"},
}
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
# Mapas de código-fonte só são baixados pelas ferramentas do desenvolvedor: comprimi-los
# dobraria o tempo do collectstatic (são metade dos bytes do Bootstrap) sem ganho para ninguém.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = None  # nunca servido diretamente: arquivos saem só por views que checam permissão

# --- Arquivos enviados ---------------------------------------------------------------------
DOCUMENTO_TAMANHO_MAXIMO = env.int("DOCUMENTO_TAMANHO_MAXIMO_MB", default=20) * 1024 * 1024
# O primeiro handler conta os bytes de cada arquivo e o descarta ao passar do limite, antes
# de o arquivo inteiro ser lido; o formulário explica a recusa.
FILE_UPLOAD_HANDLERS = [
    "cagec.lib.arquivos.LimiteDeTamanhoUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_PERMISSIONS = 0o640
# Cotas por pessoa (contadas na trilha de auditoria, que não se apaga): quantos arquivos e
# quantos MB de documentos em 1 hora e em 24 horas, e quantas solicitações em rascunho ou
# devolvidas ao mesmo tempo. Remover e reenviar não devolve a cota.
DOCUMENTOS_POR_HORA = env.int("DOCUMENTOS_POR_HORA", default=50)
DOCUMENTOS_POR_DIA = env.int("DOCUMENTOS_POR_DIA", default=200)
DOCUMENTOS_MB_POR_HORA = env.int("DOCUMENTOS_MB_POR_HORA", default=200)
DOCUMENTOS_MB_POR_DIA = env.int("DOCUMENTOS_MB_POR_DIA", default=500)
RASCUNHOS_ABERTOS_MAXIMO = env.int("RASCUNHOS_ABERTOS_MAXIMO", default=10)
# Rascunho parado: aviso por e-mail N dias antes e cancelamento (arquivos apagados).
RASCUNHO_DIAS_SEM_ALTERACAO = env.int("RASCUNHO_DIAS_SEM_ALTERACAO", default=30)
RASCUNHO_AVISO_DIAS_ANTES = env.int("RASCUNHO_AVISO_DIAS_ANTES", default=7)
if not 1 <= RASCUNHO_AVISO_DIAS_ANTES < RASCUNHO_DIAS_SEM_ALTERACAO:
    raise ImproperlyConfigured(
        "RASCUNHO_AVISO_DIAS_ANTES precisa ser pelo menos 1 e menor que "
        "RASCUNHO_DIAS_SEM_ALTERACAO."
    )
# Varredura de arquivos órfãos: só apaga o que está sem linha no banco há mais que isto
# (um envio em andamento grava o arquivo antes do commit da linha).
ARQUIVOS_ORFAOS_CARENCIA_HORAS = env.int("ARQUIVOS_ORFAOS_CARENCIA_HORAS", default=24)
# Temporários de gravação (".parcial-*.tmp") de um processo morto no meio: a varredura os
# apaga depois desta carência (uma gravação dura segundos).
ARQUIVOS_TEMPORARIOS_CARENCIA_HORAS = env.int("ARQUIVOS_TEMPORARIOS_CARENCIA_HORAS", default=1)
# /saude/prontidao/ "midia": "atencao" com menos que isto livre no disco de MEDIA_ROOT.
MIDIA_ESPACO_MINIMO_MB = env.int("MIDIA_ESPACO_MINIMO_MB", default=1024)
# Página 503 de armazenamento indisponível: em quantos segundos tentar de novo.
ARMAZENAMENTO_RETRY_AFTER_SEGUNDOS = env.int("ARMAZENAMENTO_RETRY_AFTER_SEGUNDOS", default=120)

# --- Dados do CNPJ (Receita Federal) -------------------------------------------------------
# "offline": arquivo do repositório (demo e testes); "http": API no formato BrasilAPI /
# minha-receita (GET {base}/cnpj/v1/<cnpj>).
RECEITA_PROVEDOR = env.str("RECEITA_PROVEDOR", default="offline")
RECEITA_ARQUIVO = env.str(
    "RECEITA_ARQUIVO", default=str(BASE_DIR / "parceiros" / "dados" / "receita_offline.json")
)
RECEITA_URL_BASE = env.str("RECEITA_URL_BASE", default="https://brasilapi.com.br/api").rstrip("/")
RECEITA_TEMPO_LIMITE = env.float("RECEITA_TEMPO_LIMITE", default=5.0)
RECEITA_TENTATIVAS = env.int("RECEITA_TENTATIVAS", default=2)

# --- E-mail -------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if "EMAIL_URL" not in env:
    # Modo embutido: a mensagem no console e, depois dela, uma linha legível com destinatário,
    # assunto e o link que abre (cagec/lib/email_console.py).
    EMAIL_BACKEND = "cagec.lib.email_console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Portal CAGEC <nao-responda@cagec.mg.gov.br>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_CONFIG.get("EMAIL_BACKEND") == "django.core.mail.backends.smtp.EmailBackend":
    # O SMTP do Django com a fase do DATA: base da entrega exatamente uma vez (cagec/lib/smtp.py).
    EMAIL_BACKEND = "cagec.lib.smtp.EmailBackend"
# Conexão, saudação e comandos: prazo curto (servidor fora ou mudo percebido em segundos).
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10)
# Resposta final ao DATA, com o corpo já enviado (RFC 5321 §4.5.3.2.6 sugere 10 min). Esgotado,
# o envio é incerto (o servidor pode ter aceitado), não recusa.
EMAIL_TIMEOUT_RESPOSTA_FINAL = env.float("EMAIL_TIMEOUT_RESPOSTA_FINAL", default=120)
# O provedor descarta mensagem com Message-ID repetido? Sim: envio incerto é reenviado com o
# mesmo Message-ID. Não (padrão): vai para "verificar" e a equipe decide no admin.
EMAIL_PROVEDOR_DEDUPLICA_MESSAGE_ID = env.bool("EMAIL_PROVEDOR_DEDUPLICA_MESSAGE_ID", default=False)


def _segundos(nome: str, padrao: float) -> timedelta:
    return timedelta(seconds=env.float(nome, default=padrao))


# --- Caixa de saída (cagec/lib/entrega.py; runbook em docs/operacao.md) -------------------
# Espera entre tentativas: base·2ⁿ⁻¹ com jitter, até o teto; desiste (falhou) só depois de
# CAIXA_SAIDA_DESISTIR_APOS desde a criação do e-mail.
CAIXA_SAIDA_ESPERA_BASE = _segundos("CAIXA_SAIDA_ESPERA_BASE", 60)
CAIXA_SAIDA_ESPERA_TETO = _segundos("CAIXA_SAIDA_ESPERA_TETO", 6 * 3600)
CAIXA_SAIDA_DESISTIR_APOS = _segundos("CAIXA_SAIDA_DESISTIR_APOS", 24 * 3600)
# "Enviando" mais velho que isto é de um worker que morreu: maior que o limite duro das tasks.
CAIXA_SAIDA_RECONCILIAR_APOS = _segundos("CAIXA_SAIDA_RECONCILIAR_APOS", 600)
# Banco fora depois de o SMTP aceitar: quanto insistir em gravar "enviado".
CAIXA_SAIDA_INSISTIR_NO_BANCO = _segundos("CAIXA_SAIDA_INSISTIR_NO_BANCO", 60)
# Varredura: a cada intervalo, no máximo um lote por vez e dentro do orçamento (o pior envio
# depois do orçamento — comandos, resposta final e a insistência no banco — cabe no limite).
CAIXA_SAIDA_VARREDURA_INTERVALO = _segundos("CAIXA_SAIDA_VARREDURA_INTERVALO", 60)
CAIXA_SAIDA_VARREDURA_ORCAMENTO = _segundos("CAIXA_SAIDA_VARREDURA_ORCAMENTO", 45)
CAIXA_SAIDA_VARREDURA_LIMITE = 300  # limite duro (s) da task da varredura
CAIXA_SAIDA_LOTE = env.int("CAIXA_SAIDA_LOTE", default=500)
# A task publicada depois do commit tem a primeira chance; a varredura pega depois disto.
CAIXA_SAIDA_IDADE_MINIMA = _segundos("CAIXA_SAIDA_IDADE_MINIMA", 30)
# Alerta (aviso no admin, /saude/prontidao/): pendente atrasado há mais que isto, qualquer
# "verificar" e "falhou" dos últimos CAIXA_SAIDA_ALERTA_FALHOU dias.
CAIXA_SAIDA_ALERTA_APOS = _segundos("CAIXA_SAIDA_ALERTA_APOS", 15 * 60)
CAIXA_SAIDA_ALERTA_FALHOU = timedelta(days=env.int("CAIXA_SAIDA_ALERTA_FALHOU_DIAS", default=7))
# Filas: envio novo ("emails") nunca espera atrás de uma varredura presa ("varreduras").
# Worker sem -Q consome as três; em produção, um worker só de "emails" (docs/operacao.md).
# Cada fila com a sua chave: sem ela, as três ficam ligadas à chave "celery" e cada
# mensagem seria copiada para todas.
CELERY_TASK_QUEUES = tuple(
    Queue(nome, routing_key=nome) for nome in ("celery", "emails", "varreduras")
)
CELERY_TASK_ROUTES = {
    "accounts.tasks.enviar_email": {"queue": "emails"},
    "accounts.tasks.varrer_caixa_de_saida": {"queue": "varreduras"},
}
CELERY_BEAT_SCHEDULE["varrer-caixa-de-saida"].update(
    schedule=CAIXA_SAIDA_VARREDURA_INTERVALO,
    # Varredura velha parada na fila (worker fora) expira: não se acumulam.
    options={"expires": max(1.0, CAIXA_SAIDA_VARREDURA_INTERVALO.total_seconds() * 0.9)},
)

# --- API: chaves, limites, uso e webhooks (issue #16; ver docs/operacao.md) ------------------
# Sem chave, por IP do cliente (cagec.lib.rede); com chave, o limite por minuto da própria chave.
API_LIMITE_ANONIMO_POR_IP = env.str("API_LIMITE_ANONIMO_POR_IP", default="60/m")
# Uma chave conferida fica em memória por processo por até tanto (revogação: no máximo isto).
API_CHAVE_CACHE_SEGUNDOS = env.float("API_CHAVE_CACHE_SEGUNDOS", default=5.0)
# Webhooks: http e endereços internos só no modo embutido e nos testes (SSRF).
API_WEBHOOK_PERMITIR_REDE_LOCAL = env.bool("API_WEBHOOK_PERMITIR_REDE_LOCAL", default=DEBUG)
API_WEBHOOK_ESPERA_BASE = _segundos("API_WEBHOOK_ESPERA_BASE", 30)
API_WEBHOOK_ESPERA_TETO = _segundos("API_WEBHOOK_ESPERA_TETO", 3600)
API_WEBHOOK_MAX_TENTATIVAS = env.int("API_WEBHOOK_MAX_TENTATIVAS", default=12)
API_WEBHOOK_RECONCILIAR_APOS = _segundos("API_WEBHOOK_RECONCILIAR_APOS", 300)
API_WEBHOOK_ORCAMENTO = env.float("API_WEBHOOK_ORCAMENTO", default=45.0)
API_WEBHOOK_VARREDURA_LIMITE = 120  # limite duro (s) das tarefas de envio
CELERY_TASK_ROUTES["api.tasks.varrer_webhooks"] = {"queue": "varreduras"}
CELERY_BEAT_SCHEDULE["varrer-webhooks"] = {
    "task": "api.tasks.varrer_webhooks",
    "schedule": FILA_INTERVALO,
    "options": {"expires": FILA_INTERVALO.total_seconds() * 0.9},
}
CELERY_BEAT_SCHEDULE["dobrar-uso-das-chaves"] = {
    "task": "api.tasks.dobrar_uso_das_chaves",
    "schedule": timedelta(minutes=1),
    "options": {"expires": 54},
}

# /saude/prontidao/: com ``Authorization: Bearer <SAUDE_TOKEN>`` mostra contagens e idades
# (monitoramento); sem ele, só o estado de cada peça. Vazio: só a equipe logada vê o detalhe.
SAUDE_TOKEN = env.str("SAUDE_TOKEN", default="")
SAUDE_PRONTIDAO_LIMITE_POR_IP = env.str("SAUDE_PRONTIDAO_LIMITE_POR_IP", default="30/m")

# --- Formulários ------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Segurança ----------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
HTTPS = env.bool("DJANGO_HTTPS", default=not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^saude/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- API /api/v1/ (issue #16): DRF e drf-spectacular --------------------------------------
# Só leitura, só JSON: nada da API navegável do DRF em produção. Os erros saem em JSON com
# mensagens em português (api/erros.py). As respostas quentes (regularidade) são montadas como
# dicionários e escritas direto com o json da biblioteca padrão (api/respostas.py).
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    # Chaves de API e limites por IP e por chave: ver a seção "chaves" logo abaixo.
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.chaves.AutenticacaoPorChave"],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": ["api.limites.LimiteAnonimoPorIp", "api.limites.LimitePorChave"],
    "EXCEPTION_HANDLER": "api.erros.tratar_excecao",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API do Portal CAGEC",
    "DESCRIPTION": (
        "Interface de máquina do Cadastro Geral de Convenentes de Minas Gerais: regularidade "
        "de um Parceiro (o mesmo conteúdo do CRC), lista para sincronização por cursor e "
        "verificação de autenticidade de CRCs e declarações. Somente leitura."
    ),
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {"SituacaoEnum": "parceiros.models.Parceiro.Situacao"},
    # Swagger UI e Redoc servidos dos estáticos locais (drf-spectacular-sidecar), sem CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "defaultModelsExpandDepth": 0},
}

# --- Logs: nada de CPF completo ---------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"simples": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "simples"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
    },
}

ADMINS = [("Equipe CAGEC", a) for a in env.list("DJANGO_ADMINS_EMAILS", default=[])]
