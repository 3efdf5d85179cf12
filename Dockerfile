# Production image: gunicorn serving config.wsgi on port 8000 (config/gunicorn.conf.py), static
# files via WhiteNoise.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --no-create-home --home-dir /app app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Production settings refuse to load without SECRET_KEY and ALLOWED_HOSTS; these throwaway
# values exist only for this build step and are not kept in the image. The translations need
# no step: their compiled .mo files are committed (tests/test_i18n.py checks they are current).
RUN SECRET_KEY=build-only-not-used-at-runtime ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

# Documents on local disk (OKOT_DOCUMENTS_DIR): a volume mounted here, owned by the app user.
RUN mkdir -p /app/private/documents && chown -R app:app /app/private && chmod 700 /app/private

USER app
EXPOSE 8000
# Workers, bind address, timeouts and logs: config/gunicorn.conf.py (WEB_CONCURRENCY workers).
CMD ["gunicorn", "--config", "config/gunicorn.conf.py"]
