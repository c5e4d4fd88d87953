# Production image: nginx (Debian's) in front of gunicorn serving service:create_app(), both started
# by deploy/run.py. Builds on the official Python image and, for ../shared/tools/container-check,
# on plain Debian (which has no Python yet).
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}

# nginx absorbs slow clients (slowloris headers, trickled bodies) and answers its own errors in
# JSON; its Debian service is never started (deploy/run.py runs it in the foreground, non-root).
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends nginx; \
    if ! command -v python3 >/dev/null 2>&1; then \
        apt-get install -y --no-install-recommends python3 python3-venv; \
    fi; \
    rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/*; \
    python3 -m venv /opt/venv; \
    groupadd --system --gid 10001 app; \
    useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin app

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt ./
# Wheels only for the binary stack: a missing wheel fails the build instead of compiling GEOS.
RUN pip install --only-binary=shapely,numpy,pyarrow,orjson,scipy -r requirements.txt \
    && python -m compileall -q /opt/venv

COPY service/ ./service/
COPY data/ ./data/
COPY gunicorn.conf.py ./
COPY deploy/run.py ./deploy/run.py
COPY deploy/nginx/ ./deploy/nginx/
COPY docs/example-article.html ./docs/example-article.html
RUN python -m compileall -q service
# The boundary index, built once into the image (/app/build/geo-index, read-only at run time):
# a container answers lookups from the grid at once, with no cache to fill.
RUN python -m service.geo.build

# Runs with a read-only root filesystem: the only writable place is /tmp (a tmpfs in Kubernetes).
ENV KRATOM_CACHE_DIR=/tmp/kratom-cache \
    HOME=/tmp \
    TMPDIR=/tmp \
    PORT=8000

USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["python", "deploy/run.py"]
