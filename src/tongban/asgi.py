"""ASGI entry point for servers: `uvicorn tongban.asgi:app`."""

from tongban.app import create_app
from tongban.config import load_settings
from tongban.logs import configure_logging

_settings = load_settings()
configure_logging(_settings.log_level)
app = create_app(_settings)
