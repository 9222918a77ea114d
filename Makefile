# Portal CAGEC — comandos do dia a dia. Requer Python 3.11 e as bibliotecas Debian do README.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP_VERSION := 26.3
DEMO_ENV := DJANGO_DEBUG=true DJANGO_HTTPS=false

.PHONY: run reset-demo estaticos install test test-unit test-falhas test-e2e lint typecheck audit format bench clean

$(BIN)/.instalado: pyproject.toml
	@command -v $(PY) >/dev/null || (echo "Python 3.11 não encontrado ($(PY))"; exit 1)
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q pip==$(PIP_VERSION)
	# xstatic-bootstrap só tem sdist, que ainda usa pkg_resources (setuptools < 81).
	$(BIN)/pip install -q --build-constraint build-constraints.txt -e ".[dev]"
	touch $@

install: $(BIN)/.instalado

## Modo embutido: SQLite, Celery eager, e-mail no console, dados de demonstração.
## Parar: Ctrl+C. Recomeçar a demonstração do zero: make reset-demo.
run: install estaticos
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py carregar_demo
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

## Apaga o banco SQLite e a pasta media/ do modo embutido e recarrega a demonstração.
## Recusa se o banco configurado não for o db.sqlite3 do modo embutido (DATABASE_URL).
reset-demo: install estaticos
	$(DEMO_ENV) $(BIN)/python manage.py reiniciar_demo

## Estáticos com hash no nome (cagec/lib/estaticos.py) em staticfiles/: o collectstatic só
## roda de novo quando algo em static/ ou nas dependências muda.
ESTATICOS := $(shell find static -type f 2>/dev/null)
MANIFESTO := staticfiles/staticfiles.json
estaticos: $(MANIFESTO)

$(MANIFESTO): $(BIN)/.instalado $(ESTATICOS)
	@echo "Preparando os arquivos estáticos (só quando algo em static/ muda; na primeira vez leva até um minuto)…"
	$(DEMO_ENV) $(BIN)/python manage.py collectstatic --noinput --clear -v0

## A suíte inteira: unidade/integração (um processo por núcleo, pytest-xdist), depois os
## testes de falha com processos reais (um por vez: medem tempos e matam processos) e o
## navegador (um processo só). Usa DATABASE_URL/REDIS_URL se definidos.
test: install
	$(BIN)/pytest -m "not e2e and not servicos" -q -n auto
	$(BIN)/pytest -m servicos -q
	$(BIN)/pytest -m e2e -q

test-unit: install
	$(BIN)/pytest -m "not e2e and not servicos" -q -n auto

## Testes de falha (tests/falhas/ e os do Redis descartável): redis-server, worker Celery,
## gunicorn, SMTP de teste, kill -9, kill -STOP, disco cheio. Os de processos precisam do
## PostgreSQL (DATABASE_URL).
test-falhas: install
	$(BIN)/pytest -m servicos -q

test-e2e: install
	$(BIN)/pytest -m e2e -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Tipos: mypy + django-stubs (configuração em pyproject.toml; estrito em services/selectors).
typecheck: install
	$(BIN)/mypy

## Segurança: bandit (médio ou alto reprova) e pip-audit (vulnerabilidades conhecidas).
## O pip-audit reprova com vulnerabilidade e também quando alguma dependência não pôde ser
## auditada (sem acesso à API do PyPI/OSV). AUDITORIA_ESTRITA=0 troca essa segunda recusa
## por um aviso "NÃO AUDITADO" com a lista; vulnerabilidade conhecida reprova sempre.
## AUDITORIA_ARGS vai para o pip-audit (ex.: AUDITORIA_ARGS="-s osv").
AUDITORIA_ESTRITA ?= 1
AUDITORIA_ARGS ?=
audit: install
	$(BIN)/bandit -q -r cagec accounts parceiros declaracoes -ll
	$(BIN)/python .ci/auditar_dependencias.py $(if $(filter 0,$(AUDITORIA_ESTRITA)),--permitir-nao-auditado) -- $(AUDITORIA_ARGS)

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
