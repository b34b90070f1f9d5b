# Production image: web (gunicorn), Celery worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var \
    STATIC_ROOT=/app/var/static

WORKDIR /app

# Dependencies first, in their own layer: pyproject has `packages = []`, so this installs only the
# dependencies and is rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN pip install . && rm -rf build *.egg-info

COPY . .

RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home app \
    && mkdir -p /app/var/static /app/var/media \
    && chown -R app:app /app/var
USER app

EXPOSE 8000 8001
CMD ["gunicorn", "contactcenter.wsgi", "-b", "0.0.0.0:8000", "-w", "4"]
