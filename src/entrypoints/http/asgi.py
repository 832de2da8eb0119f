"""The app as each uvicorn worker process builds it (``funflights serve --workers N``).

With several workers uvicorn imports the app in each process; this factory reads the
settings from the environment (which ``serve`` completed for them) and bootstraps its own
container: processes share only the database, Redis and the secrets.
"""

from __future__ import annotations

from litestar import Litestar

from entrypoints.bootstrap import bootstrap
from entrypoints.http.app import create_app
from entrypoints.settings import Settings


def app_factory() -> Litestar:
    """A worker process's app."""
    settings = Settings()
    # serve refused to start without a JWT secret outside demo mode, and gave the workers
    # one shared secret in demo mode: none may make its own.
    return create_app(bootstrap(settings, ephemeral_secret_allowed=False))
