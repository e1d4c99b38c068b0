# interview-bot: the Telegram bot and its CLI in a small image.
#
#   docker build -t interview-bot .
#   docker run --rm -e TELEGRAM_BOT_TOKEN=... interview-bot          # runs the bot
#   docker run --rm interview-bot ask ロボットが外科医を超えるのはいつ?  # any CLI command
#
# BASE_IMAGE must provide python3 (3.11 or newer) with its venv module and the CA
# certificates: the official python:3.11-slim-bookworm does, and so does the Debian
# (python3, python3-venv, ca-certificates) base that tests/container/build_image.sh makes.
# Nothing below assumes `python` or /usr/local/bin: only `python3` on the PATH.
# No token or other secret is baked in: the bot reads TELEGRAM_BOT_TOKEN at run time.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS builder

# Where pip finds packages and which CA bundle it trusts (the system one, not pip's own,
# so that a CA bundle mounted over it at build time counts). These are build arguments:
# they stay in this stage and never reach the final image. Put no credentials in them.
ARG PIP_INDEX_URL=https://pypi.org/simple
ARG PIP_CERT=/etc/ssl/certs/ca-certificates.crt
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN python3 -m venv /opt/venv

WORKDIR /src
# The dependencies first, read from pyproject.toml, so that this layer is reused while
# only the code (or the README) changes.
COPY pyproject.toml ./
RUN python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > /tmp/requirements.txt \
 && /opt/venv/bin/python -m pip install --only-binary=:all: -r /tmp/requirements.txt

COPY README.md ./
COPY index ./index
COPY bot ./bot
# Then the project itself; pip and setuptools are not needed at run time.
RUN /opt/venv/bin/python -m pip install --no-deps . \
 && /opt/venv/bin/python -m pip uninstall -y -q pip setuptools \
 && rm -rf /src/build /tmp/requirements.txt \
 && /opt/venv/bin/interview-bot --help > /dev/null


FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LANG=C.UTF-8 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# An unprivileged user with a home of its own (the index cache goes to ~/.cache).
RUN groupadd --gid 10001 app \
 && useradd --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app
USER 10001:10001
WORKDIR /home/app

# Exec form: interview-bot is the process that gets the signal, also as PID 1, and
# python-telegram-bot stops the bot cleanly on SIGTERM (and SIGINT).
STOPSIGNAL SIGTERM
ENTRYPOINT ["interview-bot"]
CMD ["run"]
# Healthy while the bot is connected to the Bot API and answering: `interview-bot health`
# reads the status the running bot keeps (one line; exit 1 and why otherwise).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["interview-bot", "health"]

# Last, so that every step above is reused when only the code changes. Owned by root:
# the app user can run the code, not change it.
COPY --from=builder /opt/venv /opt/venv
# The built index, cached in the app user's home, so that a new container answers at once.
RUN interview-bot ask 記事 > /dev/null
