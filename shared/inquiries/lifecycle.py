"""The inquiry lifecycle (SPEC §4): which action moves which status where, in one table."""

from __future__ import annotations

from typing import Literal, get_args

from shared.errors import Conflict

Action = Literal["assign", "reply", "convert", "lose"]
ACTIONS: tuple[str, ...] = get_args(Action)

# (from status, action) -> to status. Anything missing here is a 409.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("NEW", "assign"): "ASSIGNED",
    ("ASSIGNED", "assign"): "ASSIGNED",
    ("REPLIED", "assign"): "REPLIED",  # re-assigning a replied lead keeps its progress
    ("ASSIGNED", "reply"): "REPLIED",
    ("REPLIED", "reply"): "REPLIED",
    ("ASSIGNED", "convert"): "CONVERTED",
    ("REPLIED", "convert"): "CONVERTED",
    ("NEW", "lose"): "LOST",
    ("ASSIGNED", "lose"): "LOST",
    ("REPLIED", "lose"): "LOST",
}


def allowed_actions(status: str) -> list[str]:
    """The actions an inquiry in ``status`` accepts, in lifecycle order."""
    return [action for action in ACTIONS if (status, action) in TRANSITIONS]


def next_status(status: str, action: str) -> str:
    """Where ``action`` takes an inquiry in ``status``; else 409 naming the allowed actions."""
    target = TRANSITIONS.get((status, action))
    if target is None:
        allowed = allowed_actions(status)
        raise Conflict(
            f"cannot {action} an inquiry that is {status}; allowed actions: "
            + (", ".join(allowed) if allowed else "none (the inquiry is closed)")
        )
    return target
