# ALO 153 — the CTI image: the `cti` command (pip install . of this repository).
# docker-compose.yml runs it twice: `cti serve` (AMI/FastAGI/HTTP) and `cti dialer`.
#
# Two stages: the first builds the project's wheel from the source tree (.dockerignore keeps
# tests, the Asterisk config and local state out of the context), the second installs only
# that wheel and its dependencies, so no source tree or build tool stays in the image.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY . .
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# asyncpg is the driver that the `postgresql+asyncpg` scheme of CTI_DATABASE_URL names. It is
# not (yet) a dependency in pyproject.toml, which only needs SQLite for development; it is
# installed here until the project declares it (e.g. as a `postgres` extra), and then this
# line becomes `pip install "/wheels/<wheel>[postgres]"`.
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl "asyncpg>=0.29,<1" && rm -rf /wheels

# Not root: the CTI needs no privilege. Its home is the one writable place it has.
RUN groupadd --system alo153 \
    && useradd --system --gid alo153 --home-dir /var/lib/alo153 --create-home \
       --shell /usr/sbin/nologin alo153
USER alo153
WORKDIR /var/lib/alo153

CMD ["cti", "serve"]
