"""Tokens and permissions: 4001 for bad or missing tokens, ``forbidden`` across merchants."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable

import jwt
import pytest

from shared.auth import InquiryPermissions
from tests.conftest import JWT_SECRET
from tests.notifier.conftest import Client, merchant, token
from tests.support import ServiceProcess


def _b64(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(m: str, exp: int) -> dict[str, object]:
    return {"sub": "u1", "exp": exp, "perms": {m: [p.value for p in InquiryPermissions]}}


async def _closed_code(client: Client) -> int:
    return await client.until_closed()


BAD_TOKENS: dict[str, Callable[[str], str]] = {
    "malformed": lambda m: "not-a-jwt",
    "expired": lambda m: jwt.encode(_claims(m, int(time.time()) - 60), JWT_SECRET, "HS256"),
    "wrong_secret": lambda m: jwt.encode(_claims(m, int(time.time()) + 60), "y" * 40, "HS256"),
    "alg_none": lambda m: (
        f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(m, int(time.time()) + 60))}."
    ),
    "no_exp": lambda m: jwt.encode({"sub": "u1", "perms": {m: ["inquiry.find"]}}, JWT_SECRET),
}


@pytest.mark.parametrize("kind", sorted(BAD_TOKENS))
async def test_bad_tokens_close_4001(notifier: ServiceProcess, kind: str) -> None:
    client = await Client.open(notifier.port)
    await client.send({"op": "auth", "token": BAD_TOKENS[kind](merchant())})
    assert await _closed_code(client) == 4001


async def test_expired_with_the_right_secret_closes_4001(notifier: ServiceProcess) -> None:
    client = await Client.open(notifier.port)
    await client.send({"op": "auth", "token": token(merchant(), ttl=-5)})
    assert await _closed_code(client) == 4001


async def test_missing_token_and_wrong_first_message_close_4001(notifier: ServiceProcess) -> None:
    for first in ({"op": "auth"}, {"op": "ping"}, {"op": "subscribe", "room": "inquiries:m"}):
        client = await Client.open(notifier.port)
        await client.send(first)
        assert await _closed_code(client) == 4001


async def test_no_auth_message_closes_4001_after_the_deadline(notifier: ServiceProcess) -> None:
    client = await Client.open(notifier.port)
    started = time.monotonic()
    assert await _closed_code(client) == 4001
    assert 0.5 < time.monotonic() - started < 5  # NOTIFIER_AUTH_TIMEOUT_SECONDS=1 here


async def test_token_expiring_during_the_session_closes_4001(notifier: ServiceProcess) -> None:
    m = merchant()
    client = await Client.open(notifier.port, token(m, ttl=2))
    await client.subscribe(f"inquiries:{m}")
    assert await _closed_code(client) == 4001


async def test_merchant_a_cannot_subscribe_to_merchant_b(notifier: ServiceProcess) -> None:
    a, b = merchant(), merchant()
    client = await Client.open(notifier.port, token(a))
    for room in (f"inquiries:{b}", f"inquiries:{b}:3f1c8b8e-6a43-4c55-9d8f-0a4a1c0e7b21"):
        await client.send({"op": "subscribe", "room": room})
        reply = await client.recv()
        assert reply["op"] == "error"
        assert reply["code"] == "forbidden"
        assert reply["room"] == room
    await client.send({"op": "ping"})
    assert await client.recv() == {"op": "pong"}  # still open
    await client.subscribe(f"inquiries:{a}")
    await client.close()


async def test_each_room_kind_needs_its_permission(notifier: ServiceProcess) -> None:
    m = merchant()
    inquiry_room = f"inquiries:{m}:3f1c8b8e-6a43-4c55-9d8f-0a4a1c0e7b21"
    only_find = await Client.open(notifier.port, token(m, ["inquiry.find"]))
    await only_find.subscribe(f"inquiries:{m}")
    await only_find.send({"op": "subscribe", "room": inquiry_room})
    assert (await only_find.recv())["code"] == "forbidden"
    only_by_id = await Client.open(notifier.port, token(m, ["inquiry.find_by_id"]))
    await only_by_id.subscribe(inquiry_room)
    await only_by_id.send({"op": "subscribe", "room": f"inquiries:{m}"})
    assert (await only_by_id.recv())["code"] == "forbidden"
    await asyncio.gather(only_find.close(), only_by_id.close())


def _signed(header: object, m: str) -> str:
    """A token signed with the right secret whose header is whatever an attacker chose."""
    signing_input = f"{_b64(header)}.{_b64(_claims(m, int(time.time()) + 60))}"
    signature = hmac.new(JWT_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


@pytest.mark.parametrize("header", [{"alg": ["HS256"]}, {"alg": {"x": 1}}, ["HS256"], {"alg": 7}])
async def test_a_hostile_header_closes_4001_and_leaks_nothing_to_the_log(
    notifier: ServiceProcess, header: object
) -> None:
    logged_before = notifier.log.stat().st_size
    hostile = _signed(header, merchant())
    client = await Client.open(notifier.port)
    await client.send({"op": "auth", "token": hostile})
    assert await _closed_code(client) == 4001
    await asyncio.sleep(0.3)  # let the process write whatever it logs about it
    logged = notifier.log.read_bytes()[logged_before:].decode(errors="replace")
    assert JWT_SECRET not in logged
    assert hostile.split(".")[1] not in logged
    assert "Traceback" not in logged
