"""Every WebSocket message of SPEC §8 as a msgspec Struct, plus stream-ID arithmetic."""

from __future__ import annotations

import re
import uuid

import msgspec

# --- close codes ---------------------------------------------------------------------------

GOING_AWAY = 1001  # shutdown
INTERNAL = 1011  # an unexpected failure ended this socket
SERVICE_RESTART = 1012  # the stream was reset or read with a gap: resume with since
UNAUTHORIZED = 4001
TOO_SLOW = 4008
TOO_MANY = 4029  # the user holds NOTIFIER_MAX_CONNECTIONS_PER_USER sockets here already

# --- client → server ---------------------------------------------------------------------


class Auth(msgspec.Struct, tag_field="op", tag="auth", frozen=True):
    """The first message: the staff JWT (never in the URL)."""

    token: str


class Subscribe(msgspec.Struct, tag_field="op", tag="subscribe", frozen=True):
    """Join a room, optionally replaying what followed ``since`` (in stream ``epoch``)."""

    room: str
    since: str | None = None
    epoch: str | None = None


class Unsubscribe(msgspec.Struct, tag_field="op", tag="unsubscribe", frozen=True):
    """Leave a room."""

    room: str


class Ping(msgspec.Struct, tag_field="op", tag="ping", frozen=True):
    """Application-level liveness probe; answered with :class:`Pong`."""


ClientMessage = Auth | Subscribe | Unsubscribe | Ping

# --- server → client ---------------------------------------------------------------------


class Ready(msgspec.Struct, tag_field="op", tag="ready", frozen=True):
    """The token was accepted."""


class Subscribed(msgspec.Struct, tag_field="op", tag="subscribed", frozen=True, omit_defaults=True):
    """The room is joined; live events after ``offset`` follow (``recovered`` only with since).

    ``epoch`` names the stream's incarnation; it is absent only while Redis was never reached.
    """

    room: str
    offset: str
    epoch: str | None = None
    recovered: bool | None = None


class Unsubscribed(msgspec.Struct, tag_field="op", tag="unsubscribed", frozen=True):
    """The room is left."""

    room: str


class Pong(msgspec.Struct, tag_field="op", tag="pong", frozen=True):
    """Answer to :class:`Ping`."""


class Error(msgspec.Struct, tag_field="op", tag="error", frozen=True, omit_defaults=True):
    """A refused message; the connection stays open."""

    code: str
    detail: str | None = None
    room: str | None = None


class EventMessage(msgspec.Struct, tag_field="op", tag="event", frozen=True):
    """One stream entry delivered to one room; ``data`` is the stream's JSON, embedded as is."""

    room: str
    offset: str
    topic: str
    event_id: str
    data: msgspec.Raw


ServerMessage = Ready | Subscribed | Unsubscribed | Pong | Error | EventMessage

decode_client = msgspec.json.Decoder(ClientMessage).decode
_encoder = msgspec.json.Encoder()


def encode(message: ServerMessage) -> bytes:
    """A text frame's UTF-8 payload (encoded once, then written to every socket as it is)."""
    return _encoder.encode(message)


# --- stream IDs and rooms ----------------------------------------------------------------

StreamId = tuple[int, int]
ZERO = "0-0"
_ID = re.compile(r"^(\d{1,20})-(\d{1,20})$")


def parse_id(text: str) -> StreamId | None:
    """``"1700000000000-3"`` → ``(1700000000000, 3)``; ``None`` if it is not a stream ID."""
    match = _ID.match(text)
    return (int(match[1]), int(match[2])) if match else None


def id_key(text: str) -> StreamId:
    """Sort key of an ID Redis returned (always well-formed)."""
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


class Room(msgspec.Struct, frozen=True):
    """A parsed room name: the merchant and, for a single-inquiry room, the inquiry."""

    name: str
    merchant_id: str
    inquiry_id: str | None

    @property
    def kind(self) -> str:
        """``collection`` or ``inquiry`` (a metrics label)."""
        return "collection" if self.inquiry_id is None else "inquiry"


def parse_room(name: str) -> Room | None:
    """``inquiries:{merchant}`` or ``inquiries:{merchant}:{uuid}``; ``None`` otherwise."""
    parts = name.split(":")
    if len(parts) not in (2, 3) or parts[0] != "inquiries" or not parts[1]:
        return None
    if len(parts) == 2:
        return Room(name, parts[1], None)
    try:
        canonical = str(uuid.UUID(parts[2]))
    except ValueError:
        return None
    # Rooms are matched by exact string, and the stream writes canonical lowercase UUIDs.
    return Room(name, parts[1], canonical) if canonical == parts[2] else None
