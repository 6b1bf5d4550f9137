"""The inquiry vocabulary (statuses, types, lost reasons) and its bilingual labels."""

from __future__ import annotations

from typing import Literal, get_args

import msgspec

InquiryType = Literal["sales", "demo", "pricing", "partnership", "other"]
Status = Literal["NEW", "ASSIGNED", "REPLIED", "CONVERTED", "LOST"]
LostReason = Literal[
    "no_budget", "no_response", "competitor", "not_a_fit", "duplicate", "spam", "other"
]
BusinessSize = Literal["1-10", "11-50", "51-200", "201-1000", "1000+"]
Locale = Literal["en", "vi"]

STATUSES: tuple[str, ...] = get_args(Status)


class Label(msgspec.Struct, frozen=True):
    """One label in both languages."""

    en: str
    vi: str


STATUS_LABELS: dict[str, Label] = {
    "NEW": Label("New", "Mới"),
    "ASSIGNED": Label("Assigned", "Đã phân công"),
    "REPLIED": Label("Replied", "Đã phản hồi"),
    "CONVERTED": Label("Converted", "Đã chuyển đổi"),
    "LOST": Label("Lost", "Thất bại"),
}

TYPE_LABELS: dict[str, Label] = {
    "sales": Label("Sales", "Bán hàng"),
    "demo": Label("Demo", "Dùng thử"),
    "pricing": Label("Pricing", "Báo giá"),
    "partnership": Label("Partnership", "Hợp tác"),
    "other": Label("Other", "Khác"),
}

LOST_REASON_LABELS: dict[str, Label] = {
    "no_budget": Label("No budget", "Không có ngân sách"),
    "no_response": Label("No response", "Không phản hồi"),
    "competitor": Label("Chose a competitor", "Chọn đối thủ cạnh tranh"),
    "not_a_fit": Label("Not a fit", "Không phù hợp"),
    "duplicate": Label("Duplicate", "Trùng lặp"),
    "spam": Label("Spam", "Thư rác"),
    "other": Label("Other", "Khác"),
}
