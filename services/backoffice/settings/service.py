"""Reading and changing a merchant's settings; a change applies to inquiries created after it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.backoffice.settings import repository
from services.backoffice.settings.schemas import SettingsBody, SettingsOut
from shared.leads.repository import targets_of
from shared.settings import SlaSettings


async def read(session: AsyncSession, merchant_id: str, defaults: SlaSettings) -> SettingsOut:
    """The merchant's settings, the defaults standing in for what it never set."""
    targets = await targets_of(session, [merchant_id])
    return SettingsOut(targets.get(merchant_id, defaults.sla_first_response_seconds))


async def change(
    session: AsyncSession, merchant_id: str, actor_id: str, body: SettingsBody
) -> SettingsOut:
    """Store the new settings; existing inquiries keep the deadline they were created with."""
    await repository.save_target(session, merchant_id, body.first_response_target_seconds, actor_id)
    return SettingsOut(body.first_response_target_seconds)
