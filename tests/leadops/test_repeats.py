"""Repeat inquiries are linked to the first of their chain, never rejected (SPEC §13)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import msgspec
import redis

from tests.backoffice.conftest import auth, create, new_merchant
from tests.leadops.conftest import backdate
from tests.support import Database, ServiceProcess, stream_entries, submit, wait_for


def link_of(api: httpx.Client, merchant: str, inquiry_id: str) -> str | None:
    row = api.get(f"/v1/inquiries/{inquiry_id}", headers=auth("u1", merchant)).json()
    link: str | None = row["duplicate_of"]
    return link


def submitted_data(client: redis.Redis, key: str, inquiry_id: str) -> dict[str, Any]:
    """The ``data`` of the inquiry's ``submitted`` stream entry (waits for the relay)."""

    def find() -> dict[str, Any] | None:
        for _, fields in stream_entries(client, key):
            if fields[b"inquiry_id"].decode() == inquiry_id and fields[b"topic"].endswith(
                b"/submitted"
            ):
                data: dict[str, Any] = msgspec.json.decode(fields[b"data"])
                return data
        return None

    found: dict[str, Any] = wait_for(find)
    return found


def test_repeats_of_any_case_point_at_the_first_from_staff_and_public_creates(
    api: httpx.Client, intake: ServiceProcess, redis_client: redis.Redis, stream_key: str
) -> None:
    merchant = new_merchant()
    first = create(api, merchant, email="Lead@Example.com")
    second = create(api, merchant, email="lead@example.COM")
    third = submit(intake, merchant, email="LEAD@EXAMPLE.COM")
    other_merchant = create(api, new_merchant(), email="lead@example.com")
    assert first["duplicate_of"] is None
    assert second["duplicate_of"] == first["id"]
    assert link_of(api, merchant, third) == first["id"]  # the chain's first, not the latest
    assert other_merchant["duplicate_of"] is None
    assert submitted_data(redis_client, stream_key, first["id"])["duplicate_of"] is None
    assert submitted_data(redis_client, stream_key, third)["duplicate_of"] == first["id"]

    headers = auth("u1", merchant)
    listed = api.get("/v1/inquiries", params={"duplicate_of": first["id"]}, headers=headers)
    assert [i["id"] for i in listed.json()["items"]] == [third, second["id"]]
    count = api.get("/v1/inquiries/count", params={"duplicate_of": first["id"]}, headers=headers)
    assert count.json() == {"count": 2}
    bad = api.get("/v1/inquiries", params={"duplicate_of": "not-a-uuid"}, headers=headers)
    assert bad.status_code == 400


def test_spam_deleted_and_old_inquiries_start_no_chain(
    api: httpx.Client, intake: ServiceProcess, db: Database
) -> None:
    merchant = new_merchant()
    submit(intake, merchant, email="spam@example.com", _gotcha="bot")
    assert link_of(api, merchant, submit(intake, merchant, email="spam@example.com")) is None

    gone = create(api, merchant, email="gone@example.com")
    assert (
        api.delete(f"/v1/inquiries/{gone['id']}", headers=auth("u1", merchant)).status_code == 204
    )
    assert create(api, merchant, email="gone@example.com")["duplicate_of"] is None

    old = create(api, merchant, email="old@example.com")
    backdate(db, old["id"], 31 * 24 * 3600)
    assert create(api, merchant, email="old@example.com")["duplicate_of"] is None

    within = create(api, merchant, email="recent@example.com")
    backdate(db, within["id"], 29 * 24 * 3600)
    assert create(api, merchant, email="recent@example.com")["duplicate_of"] == within["id"]


def test_a_deleted_root_hands_the_chain_to_its_oldest_live_repeat(api: httpx.Client) -> None:
    merchant = new_merchant()
    root = create(api, merchant, email="chain@example.com")
    repeat = create(api, merchant, email="chain@example.com")
    assert (
        api.delete(f"/v1/inquiries/{root['id']}", headers=auth("u1", merchant)).status_code == 204
    )
    assert create(api, merchant, email="chain@example.com")["duplicate_of"] == repeat["id"]


def test_simultaneous_repeats_form_one_chain(api: httpx.Client, intake: ServiceProcess) -> None:
    merchant = new_merchant()
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    with ThreadPoolExecutor(12) as pool:
        ids = list(pool.map(lambda _: submit(intake, merchant, email=email), range(12)))
    links = [link_of(api, merchant, i) for i in ids]
    roots = [i for i, link in zip(ids, links, strict=True) if link is None]
    assert len(roots) == 1
    assert all(link in (None, roots[0]) for link in links)
