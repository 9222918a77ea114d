FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml build-constraints.txt README.md ./
COPY cagec cagec
COPY accounts accounts
COPY parceiros parceiros
COPY declaracoes declaracoes
RUN pip install --no-cache-dir pip==26.3 \
 && pip install --no-cache-dir --build-constraint build-constraints.txt .
COPY . .
RUN DJANGO_DEBUG=true python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "cagec.wsgi"]
