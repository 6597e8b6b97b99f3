# Production image: gunicorn web, Celery worker and beat all run from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .

COPY . .
RUN python scripts/catalogues.py compile \
 && DEBUG=0 SECRET_KEY=build-only DATABASE_URL=postgres://build/none \
    FIELD_ENCRYPTION_KEYS=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    FIELD_HASH_KEY=build-only-build-only-build-only-xx \
    python manage.py collectstatic --no-input

RUN useradd --create-home --uid 10001 portal && chown -R portal /app
USER portal

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
