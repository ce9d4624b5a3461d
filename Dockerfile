# One Dockerfile for every deployable: SERVICE names the workspace package to install,
# MODULE the Python module to run. Each image holds only its own package's dependencies.
#   docker build --build-arg SERVICE=order-router --build-arg MODULE=order_router .
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
RUN pip install --no-cache-dir "uv>=0.9"
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY libs libs
COPY tools tools
COPY services services
RUN uv sync --locked --no-dev --no-editable --package "${SERVICE}"

FROM ${PYTHON_IMAGE}
ARG MODULE
RUN useradd --system --create-home --uid 10001 app
COPY --from=build /app/.venv /app/.venv
COPY data /app/data
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 MODULE=${MODULE}
WORKDIR /app
USER 10001
# exec: the service is PID 1's only child and receives SIGTERM directly
CMD ["sh", "-c", "exec python -m \"$MODULE\""]
