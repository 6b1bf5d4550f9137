"""The lifecycle table of SPEC §4, every (status, action) pair of it."""

from __future__ import annotations

import pytest

from shared.errors import Conflict
from shared.inquiries import lifecycle
from shared.inquiries.labels import STATUSES

# SPEC §4 as written there: action -> (from statuses, to status).
SPEC = {
    "assign": ({"NEW", "ASSIGNED", "REPLIED"}, "ASSIGNED"),
    "reply": ({"ASSIGNED", "REPLIED"}, "REPLIED"),
    "convert": ({"ASSIGNED", "REPLIED"}, "CONVERTED"),
    "lose": ({"NEW", "ASSIGNED", "REPLIED"}, "LOST"),
}


def _expected(status: str, action: str) -> str | None:
    sources, target = SPEC[action]
    if status not in sources:
        return None
    return "REPLIED" if (status, action) == ("REPLIED", "assign") else target  # REPLIED stays


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", lifecycle.ACTIONS)
def test_every_pair_moves_as_the_spec_says_or_is_a_409(status: str, action: str) -> None:
    target = _expected(status, action)
    if target is not None:
        assert lifecycle.next_status(status, action) == target
        return
    with pytest.raises(Conflict) as refused:
        lifecycle.next_status(status, action)
    allowed = lifecycle.allowed_actions(status)
    assert action not in allowed
    assert refused.value.detail.startswith(f"cannot {action} an inquiry that is {status}")
    assert (", ".join(allowed) or "none") in refused.value.detail


def test_terminal_statuses_allow_nothing() -> None:
    assert lifecycle.allowed_actions("CONVERTED") == []
    assert lifecycle.allowed_actions("LOST") == []
    assert lifecycle.allowed_actions("ASSIGNED") == ["assign", "reply", "convert", "lose"]
