"""Error answers stay small: thousands of bad fields list at most ``MAX_LISTED_ERRORS``."""

from __future__ import annotations

import httpx
import msgspec

from shared.errors import MAX_LISTED_ERRORS
from tests.support import ServiceProcess, inquiry_body

KEYS = 2500  # unknown keys in one body under the 32 KiB limit


def test_thousands_of_unknown_keys_get_a_capped_list(intake: ServiceProcess) -> None:
    body = inquiry_body(source={f"k{n:x}": "" for n in range(KEYS)})
    sent = msgspec.json.encode(body)
    answer = httpx.post(
        f"{intake.url}/v1/inquiries",
        content=sent,
        headers={"x-merchant-id": "m-capped", "content-type": "application/json"},
    )
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert len(errors) == MAX_LISTED_ERRORS
    assert all(e["field"].startswith("source.k") for e in errors)
    assert f"{KEYS - MAX_LISTED_ERRORS} more errors not listed" in answer.json()["detail"]
    assert len(answer.content) < len(sent) / 4
