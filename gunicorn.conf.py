"""Configuração do gunicorn (produção, docker compose e benchmarks)."""

import multiprocessing
import os

# Só o loopback por padrão: fora de um contêiner, o portal fica atrás de um proxy na mesma
# máquina. A imagem (Dockerfile) define GUNICORN_BIND=0.0.0.0:8000, porque ali o tráfego
# chega pela rede do contêiner; quem publica a porta é o compose ou o orquestrador.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
# Caminho sem a query string (%(U)s, não %(r)s): a consulta pública aceita CPF como filtro
# e o log não pode guardar CPF (LGPD).
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
# Os mesmos proxies em que o portal confia para o IP do cliente (PROXIES_CONFIAVEIS).
forwarded_allow_ips = (
    os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS")
    or os.environ.get("PROXIES_CONFIAVEIS")
    or "127.0.0.1"
)
preload_app = True
