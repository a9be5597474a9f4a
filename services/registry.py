"""Where each service's `create_server(settings)` lives, imported only when run."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.bootstrap.server import IcoreServer
    from services.bootstrap.settings import Settings

SERVER_MODULES = {
    "gateway": "gateway.server",
    "messaging": "services.messaging.server",
    "biometric": "services.biometric.server",
    "query": "services.query.server",
    "analytics": "services.analytics.server",
}


def server_factory(service: str) -> Callable[[Settings], Awaitable[IcoreServer]]:
    """The async `create_server` of a service."""
    module = importlib.import_module(SERVER_MODULES[service])
    return module.create_server
