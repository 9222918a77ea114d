FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
# Os processos rodam como um usuário sem privilégios: uma falha na aplicação não vira root
# no contêiner. Só a pasta dos arquivos enviados é dele (o volume herda o dono na 1ª vez).
RUN useradd --system --uid 10001 --create-home --home-dir /home/cagec --shell /usr/sbin/nologin cagec \
 && mkdir -p /dados/media && chown cagec:cagec /dados/media
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 GUNICORN_BIND=0.0.0.0:8000
WORKDIR /app
COPY pyproject.toml build-constraints.txt README.md ./
COPY cagec cagec
COPY accounts accounts
COPY parceiros parceiros
COPY declaracoes declaracoes
RUN pip install --no-cache-dir pip==26.3 \
 && pip install --no-cache-dir --build-constraint build-constraints.txt .
COPY . .
# Em todos os modos as páginas usam o manifesto (nomes com hash, cagec/lib/estaticos.py):
# coletar com as mesmas configurações da execução, senão toda página com {% static %} daria 500.
RUN DJANGO_DEBUG=false DJANGO_SECRET_KEY=somente-para-o-build DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput
USER cagec
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "cagec.wsgi"]
