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
# Fora do DEBUG o whitenoise exige o manifesto: coletar com as mesmas configurações da
# execução (DEBUG desligado), senão toda página com {% static %} daria erro 500.
RUN DJANGO_DEBUG=false DJANGO_SECRET_KEY=somente-para-o-build DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "cagec.wsgi"]
