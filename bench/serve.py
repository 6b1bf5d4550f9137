"""The bench peers' uvicorn: one worker, settings as the services', no access log."""

from __future__ import annotations

import uvicorn


def serve_asgi(factory: str, port: int) -> None:
    """Serve the ASGI app factory ``module:function`` on loopback ``port`` until stopped."""
    uvicorn.run(
        factory,
        factory=True,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        ws_per_message_deflate=False,  # as the notifier: no compression on the wire
        timeout_graceful_shutdown=5,
    )
