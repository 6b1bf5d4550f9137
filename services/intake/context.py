"""What the submit handler needs besides its request, built once when the app starts."""

from __future__ import annotations

from dataclasses import dataclass

from services.intake.ratelimit import IPNetwork, RateLimiter
from shared.inquiries.writer import InquiryWriter
from shared.settings import IntakeSettings


@dataclass(frozen=True)
class IntakeContext:
    """Rate limiter, group-commit writer, and the settings parsed once (not per request)."""

    limiter: RateLimiter
    writer: InquiryWriter
    trusted_proxies: list[IPNetwork]
    allowed_origins: list[str]

    @classmethod
    def build(
        cls, settings: IntakeSettings, limiter: RateLimiter, writer: InquiryWriter
    ) -> IntakeContext:
        """Parse the settings that the hot path reads."""
        return cls(limiter, writer, settings.trusted_proxies, settings.allowed_origins)
