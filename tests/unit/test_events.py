"""Event payloads: typed structs encoded once into the data of the stream contract (SPEC §7)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import msgspec

from shared.events import Assigned, ChangeHeader, Topic, new_event, to_stream_fields
from shared.inquiries.changes import Assign, Moment
from shared.models import Inquiry

AT = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)


def test_a_lifecycle_event_is_its_header_then_what_changed() -> None:
    inquiry_id = uuid.uuid4()
    header = ChangeHeader(inquiry_id, "m1", "ASSIGNED", "boss", AT)
    event = new_event(Topic.ASSIGNED, "m1", inquiry_id, AT, header, Assigned("ann", None))
    assert event.data == {
        "id": str(inquiry_id),
        "merchant_id": "m1",
        "status": "ASSIGNED",
        "actor_id": "boss",
        "at": "2026-01-31T09:00:00Z",
        "assignee_id": "ann",
        "previous_assignee_id": None,
    }
    fields = to_stream_fields(event)
    assert fields["occurred_at"] == "2026-01-31T09:00:00Z"
    assert fields["topic"] == "observation/outreach/inquiry/assigned"
    assert msgspec.json.decode(fields["data"]) == event.data


def test_assign_is_a_no_op_for_the_holder_and_a_409_for_anyone_else() -> None:
    row = Inquiry(assignee_id="ann", version=3)
    assert Assign(assignee_id="ann").plan(Moment(row, "ann", AT)) is None
    taken = Assign(assignee_id="bob", reassign=True).plan(Moment(row, "bob", AT))
    assert taken is not None
    assert taken.data == Assigned("bob", "ann")
    assert taken.values == {"assignee_id": "bob", "assigned_at": AT, "assigned_by": "bob"}
