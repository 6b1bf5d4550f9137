"""The one validator of inquiry input: typed results, every error at once, both languages."""

from __future__ import annotations

import sys
import unicodedata
from typing import Any

import msgspec
import pytest
from email_validator import validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from services.backoffice.inquiries.schemas import AssignBody, LoseBody, ReplyBody
from shared.errors import BadRequest
from shared.inquiries import validation
from shared.inquiries.fields import (
    InquiryInput,
    InquiryPatch,
    Source,
    StaffInquiryInput,
    has_control_characters,
    merchant_error,
    merchant_ok,
)
from shared.inquiries.formats import plain_email, prevalidated
from shared.inquiries.validation import (
    clean_body,
    decode_object,
    validate_input,
    validate_patch,
)
from tests.support import inquiry_body


def test_a_valid_submit_becomes_the_typed_trimmed_input() -> None:
    raw = inquiry_body(name="  Ann ", country="vn", phone="", message="a\r\nb", button="Send")
    fields, errors = validate_input(raw, InquiryInput)
    assert errors == []
    assert isinstance(fields, InquiryInput)
    assert (fields.name, fields.country, fields.phone, fields.message) == (
        "Ann",
        "VN",
        None,
        "a\nb",
    )
    assert fields.source == Source(page_url="https://site.example/contact", utm_source="google")


def test_every_error_is_listed_in_the_submit_locale() -> None:
    fields, errors = validate_input({"email": "nope", "locale": "vi", "source": 3}, InquiryInput)
    assert fields is None
    messages = {e.field: e.message for e in errors}
    assert set(messages) == {"name", "email", "business_name", "subject", "message", "source"}
    assert messages["name"] == "là bắt buộc"
    assert messages["source"] == "phải là một đối tượng"


def test_staff_input_names_unknown_fields_where_a_form_ignores_them() -> None:
    raw = inquiry_body(colour="blue")
    assert validate_input(raw, InquiryInput)[1] == []
    _, errors = validate_input(raw, StaffInquiryInput)
    assert [(e.field, e.message) for e in errors] == [("colour", "is not a field of an inquiry")]


def test_a_patch_carries_only_what_it_names() -> None:
    patch = validate_patch(
        {"subject": " New ", "phone": None, "source": {"referrer": "http://a.b"}}
    )
    assert msgspec.to_builtins(patch) == {
        "phone": None,
        "subject": "New",
        "source": {"referrer": "http://a.b"},
    }
    assert patch.name is msgspec.UNSET
    assert isinstance(patch, InquiryPatch)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"status": "LOST"}, "status"),
        ({"colour": "blue"}, "colour"),
        ({"name": None}, "name"),
        ({"type": None}, "type"),
        ({}, "body"),
    ],
)
def test_a_bad_patch_is_a_400_naming_the_field(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(BadRequest) as refused:
        validate_patch(raw)
    assert [e.field for e in refused.value.errors or []] == [field]


def test_staff_bodies_are_trimmed_and_checked_by_the_same_rules() -> None:
    assert clean_body(ReplyBody(message="  hi\n")).message == "hi"
    assert clean_body(LoseBody(reason="other", note="  ")).note is None
    assert clean_body(AssignBody(assignee_id=" ann ")).assignee_id == "ann"
    for body in (ReplyBody(message="  "), ReplyBody(message="a\x00b"), AssignBody("a\tb")):
        with pytest.raises(BadRequest):
            clean_body(body)


def test_json_bodies_must_be_objects_of_sane_depth() -> None:
    assert decode_object(b'{"a": 1}') == {"a": 1}
    for body in (b"[1]", b"{", b'{"a":' * 5000, b"[" * 100_000):
        with pytest.raises(BadRequest):
            decode_object(body)


def test_one_merchant_id_rule() -> None:
    assert merchant_ok("m-1_A")
    for bad in (None, "", "m 1", "m1\n", "m" * 65):
        assert not merchant_ok(bad)
        error = merchant_error(bad)
        assert error.field == "x-merchant-id"
        assert "1-64 of A-Z a-z 0-9 _ -" in error.message


def test_control_characters_are_unicode_category_cc_for_every_code_point() -> None:
    for code_point in range(sys.maxunicode + 1):
        char = chr(code_point)
        control = unicodedata.category(char) == "Cc"
        assert has_control_characters(f"a{char}b", multiline=False) is control, hex(code_point)
        in_lines = control and char not in "\n\t"
        assert has_control_characters(f"a{char}b", multiline=True) is in_lines, hex(code_point)


_ADDRESS_CHARACTERS = "aZ09_+-.@é"
_atoms = st.lists(st.from_regex(r"\A[A-Za-z0-9_+-]{1,40}\Z"), min_size=1, max_size=3)
_labels = st.lists(st.from_regex(r"\A[A-Za-z0-9-]{1,64}\Z"), min_size=1, max_size=4)
_tld = st.one_of(st.from_regex(r"\A[A-Za-z]{1,64}\Z"), st.sampled_from(["test", "local", "123"]))
# Shaped like everyday addresses, edges included: 64-character labels, long local parts,
# hyphens at label ends, "--", reserved names.
_shaped = st.builds(
    lambda atoms, labels, tld: ".".join(atoms) + "@" + ".".join([*labels, tld]),
    _atoms,
    _labels,
    _tld,
)


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(
        _shaped,
        st.from_regex(r"\A[a-zA-Z0-9_+.-]{1,70}@[a-zA-Z0-9.-]{1,80}\Z"),
        st.text(alphabet=_ADDRESS_CHARACTERS, min_size=3, max_size=80),
        st.sampled_from(["ann@example.com", "A.B+c@Mail.Example.ORG", "x@y.test", "a@ab--c.de"]),
    )
)
def test_the_everyday_email_shortcut_agrees_with_email_validator(address: str) -> None:
    shortcut = plain_email(address)
    if shortcut is None:
        return  # email_validator decides
    assert validate_email(address, check_deliverability=False).normalized == shortcut


_text = st.one_of(
    st.sampled_from(["", " ", "Ann", " Ann ", "a\r\nb", "a\nb", "x\x00y", "VN", "vn", "zz"]),
    st.text(alphabet="aZ .@:/-\n\t\r\x07", max_size=12),
)
_values = st.one_of(_text, st.none(), st.integers(), st.just(["list"]))


@settings(max_examples=2000, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            key: _values
            for key in ("name", "email", "phone", "business_name", "website", "country", "subject")
        }
        | {
            "message": st.one_of(_text, st.just("Hello,\nwe run three stores.\tThanks!")),
            "type": st.sampled_from(["sales", " sales", "other", "nope"]),
            "locale": st.sampled_from(["en", "vi", "fr"]),
            "source": st.one_of(
                st.none(),
                st.fixed_dictionaries({}, optional={"page_url": _text, "utm_source": _text}),
            ),
            "_gotcha": _text,
        },
    ),
    st.sampled_from([InquiryInput, StaffInquiryInput]),
)
def test_the_fast_path_agrees_with_the_full_validator(
    changes: dict[str, Any], schema: type[InquiryInput]
) -> None:
    raw = {**inquiry_body(), **changes}
    fast = prevalidated(raw, schema)
    if fast is None:
        return  # the full validator decides
    full = validation._check_struct(validation._type_info(schema), raw, validation._Findings("en"))
    assert fast == full


def test_the_fast_path_takes_the_everyday_submit() -> None:
    fast = prevalidated(inquiry_body(email="Ann@Example.COM"), InquiryInput)
    assert fast is not None
    assert fast.email == "Ann@example.com"
