"""structlog set-up: readable console lines in development, JSON lines in production."""

from __future__ import annotations

import logging
import re
import sys

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from shared.settings import LogSettings

# C0/C1 control characters (terminal escapes, CR/LF that forge lines), bidi overrides and
# Unicode line separators: what untrusted text (a request path) could use to fool a reader.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_PRESERVED = ("exception", "stack")  # our own multi-line tracebacks


def _escaped(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_untrusted(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Show control characters in every text value as escapes (JSON lines escape them anyway)."""
    for key, value in event_dict.items():
        if isinstance(value, str) and key not in _PRESERVED:
            event_dict[key] = _UNSAFE.sub(_escaped, value)
    return event_dict


def configure_logging(settings: LogSettings) -> None:
    """Route structlog and the standard library through one renderer at one level.

    No format ever prints a frame's local variables: a traceback of a token check would show
    the secret and the token. Tracebacks stay, as plain text.
    """
    level = getattr(logging, settings.log_level.upper())
    shared_processors: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    # Each renderer's own tail: JSON gets the traceback as a string field; the console renders
    # it itself (plain, never rich's or better-exceptions' ``show_locals``) after escaping.
    finish: list[Processor]
    if settings.log_format == "json":
        finish = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        console = structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
        finish = [escape_untrusted, console]
    structlog.configure(
        processors=[*shared_processors, *finish],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    # Libraries (uvicorn, websockets, sqlalchemy) log through the standard library: same look,
    # and their exceptions keep their traceback in JSON too.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *finish],
            foreign_pre_chain=[*shared_processors, structlog.stdlib.add_logger_name],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Access lines come from our own middleware (with the request id, without query strings).
    logging.getLogger("uvicorn.access").disabled = True
