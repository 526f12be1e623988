# The operator image: wheels built in a throw-away stage, a slim runtime with no build tools (pip removed once
# the wheels are installed), non-root; the read-only root filesystem of the chart works with it (only /tmp is written).
# Build: docker build -t rbg-operator:dev .   (no Docker engine is needed for anything else in this repo)
FROM python:3.11.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY rbg_operator ./rbg_operator
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11.11-slim-bookworm
RUN useradd --uid 65532 --no-create-home --shell /usr/sbin/nologin rbg
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-compile /wheels/*.whl && rm -rf /wheels \
 && python -m pip uninstall -y pip setuptools wheel
USER 65532:65532
EXPOSE 8080 9443
ENTRYPOINT ["rbg-operator", "run"]
