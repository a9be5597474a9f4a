# syntax=docker/dockerfile:1
# One image for every icore service: `icore serve SERVICE` (the default runs
# the gateway) and `icore migrate SERVICE`. Build from the repository root:
#   docker build -t icore:dev .
# The builder installs icore and its dependencies into a virtual environment;
# the final image gets that environment only: no compilers, no sources, no pip
# cache, and a user that is not root.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# Compilers only for a dependency that has no wheel for the target platform.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/icore \
    && /opt/icore/bin/pip install --upgrade pip
WORKDIR /src
# The dependencies' layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md ./
RUN mkdir -p gen services gateway \
    && /opt/icore/bin/pip install . \
    && /opt/icore/bin/pip uninstall -y icore
COPY gen ./gen
COPY services ./services
COPY gateway ./gateway
# Not editable: the package is copied into the environment, with its code
# tables, migrations and type stubs (package data in pyproject.toml).
RUN /opt/icore/bin/pip install --no-deps . \
    && /opt/icore/bin/icore --help > /dev/null

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/icore/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ICORE_HOST=0.0.0.0 \
    ICORE_DATA_DIR=/var/lib/icore
# A fixed numeric user and group, so that runAsNonRoot can verify them and
# fsGroup makes mounted Secrets and volumes readable.
RUN groupadd --system --gid 10001 icore \
    && useradd --system --uid 10001 --gid icore --home-dir /var/lib/icore --no-create-home \
       --shell /usr/sbin/nologin icore \
    && install -d -o icore -g icore -m 0750 /var/lib/icore
COPY --from=build /opt/icore /opt/icore
USER 10001:10001
WORKDIR /var/lib/icore
# gateway, messaging, biometric, query, analytics; each pod uses its own.
EXPOSE 50050 50051 50052 50053 50054
ENTRYPOINT ["icore"]
CMD ["serve", "gateway"]
