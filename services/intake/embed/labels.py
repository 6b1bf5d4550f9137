"""The embeddable form's words in English and Vietnamese: field labels, hints and messages."""

from __future__ import annotations

from shared.inquiries.labels import Label

#: The visible label of each form field (SPEC §11 names the English ones exactly).
FIELD_LABELS: dict[str, Label] = {
    "name": Label("Name", "Họ và tên"),
    "email": Label("Email", "Email"),
    "phone": Label("Phone", "Số điện thoại"),
    "business_name": Label("Business name", "Tên doanh nghiệp"),
    "business_size": Label("Company size", "Quy mô công ty"),
    "industry": Label("Industry", "Ngành nghề"),
    "website": Label("Website", "Trang web"),
    "country": Label("Country", "Quốc gia"),
    "type": Label("Inquiry type", "Loại yêu cầu"),
    "subject": Label("Subject", "Tiêu đề"),
    "message": Label("Message", "Nội dung"),
}

#: Everything else the form says.
TEXT: dict[str, Label] = {
    "title": Label("Send us an inquiry", "Gửi yêu cầu cho chúng tôi"),
    "submit": Label("Send inquiry", "Gửi yêu cầu"),
    "required_note": Label("Fields marked * are required.", "Các trường có dấu * là bắt buộc."),
    "choose": Label("Choose…", "Chọn…"),
    "employees": Label("{size} employees", "{size} nhân viên"),
    "country_hint": Label("Two-letter code, such as VN", "Mã hai chữ cái, ví dụ VN"),
    "website_hint": Label("Starting with https://", "Bắt đầu bằng https://"),
    "honeypot": Label("Leave this field empty", "Để trống trường này"),
    "thanks": Label(
        "Thank you! We received your inquiry and will get back to you soon.",
        "Cảm ơn bạn! Chúng tôi đã nhận được yêu cầu và sẽ sớm liên hệ lại.",
    ),
    "invalid": Label("Please correct the marked fields.", "Vui lòng sửa các trường được đánh dấu."),
    "retry": Label(
        "We could not send your inquiry just now. Your answers are kept: please try again "
        "in a moment.",
        "Hiện chưa gửi được yêu cầu của bạn. Thông tin đã nhập vẫn được giữ: vui lòng thử lại "
        "sau ít phút.",
    ),
}


def in_locale(label: Label, locale: str) -> str:
    """``label`` in ``locale``: Vietnamese for ``vi``, else English."""
    return label.vi if locale == "vi" else label.en
