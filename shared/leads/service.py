"""What lead operations add to every new inquiry: its first-response deadline and repeat link.

Both are resolved in SQL by the statement that creates the inquiries
(``shared.inquiries.repository.insert_new``, with ``shared.leads.repository.RESOLVED``), for a
whole batch at once; this module holds the default target it falls back to.
"""

from __future__ import annotations

import functools

from shared.settings import SlaSettings


@functools.cache
def default_target_seconds() -> int:
    """``SLA_FIRST_RESPONSE_SECONDS``, read once per process (validated at start by the CLI)."""
    return SlaSettings.from_env().sla_first_response_seconds
