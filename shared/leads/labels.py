"""Bilingual labels of the event topics and of the lead-operations fields (SPEC §13)."""

from __future__ import annotations

from shared.events import Topic
from shared.inquiries.labels import Label

TOPIC_LABELS: dict[str, Label] = {
    Topic.SUBMITTED: Label("New inquiry", "Yêu cầu mới"),
    Topic.ASSIGNED: Label("Assigned", "Đã phân công"),
    Topic.REPLIED: Label("Replied", "Đã phản hồi"),
    Topic.CONVERTED: Label("Converted", "Đã chuyển đổi"),
    Topic.LOST: Label("Lost", "Thất bại"),
    Topic.UPDATED: Label("Updated", "Đã cập nhật"),
    Topic.DELETED: Label("Deleted", "Đã xóa"),
    Topic.RESTORED: Label("Restored", "Đã khôi phục"),
    Topic.OVERDUE: Label("First reply overdue", "Quá hạn phản hồi đầu tiên"),
}

FIELD_LABELS: dict[str, Label] = {
    "due_at": Label("First reply due", "Hạn phản hồi đầu tiên"),
    "overdue": Label("Overdue", "Quá hạn"),
    "duplicate_of": Label("Repeat of", "Trùng với yêu cầu"),
    "first_response_target_seconds": Label(
        "First-response target (seconds)", "Thời hạn phản hồi đầu tiên (giây)"
    ),
    "sla_met": Label("Replied on time", "Phản hồi đúng hạn"),
    "sla_missed": Label("Replied late", "Phản hồi trễ hạn"),
    "sla_open_overdue": Label("Unanswered, overdue", "Chưa phản hồi, quá hạn"),
}
