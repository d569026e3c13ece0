import pytest

from gongkai.core.personal_data import (
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    redact_text,
    resident_id_check_character,
    resident_id_is_valid,
)


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812341234", "138****1234"),
        ("138-1234-1234", "138****1234"),
        ("0432-62012345", "0432****45"),
        ("", ""),
    ],
)
def test_mask_phone(raw, masked):
    assert mask_phone(raw) == masked


def test_mask_id_and_name_and_address():
    assert mask_id_number("22020219800101123X") == "220202********123X"
    assert mask_name("欧阳修") == "欧**"
    assert mask_address("吉林市船营区北京路街道某小区3栋2单元501") == "吉林市船营区****"


def test_redact_text_masks_every_kind_of_personal_data():
    text = (
        "我叫张三，电话13812341234，座机0432-62012345，身份证22020219800101123X，邮箱zhangsan@example.com。"
    )
    redacted = redact_text(text)
    assert "13812341234" not in redacted and "138****1234" in redacted
    assert "62012345" not in redacted
    assert "22020219800101123X" not in redacted and "220202********123X" in redacted
    assert "zhangsan@example.com" not in redacted and "z***@example.com" in redacted
    # Ordinary numbers survive: the 12345 hotline, dates, amounts.
    assert (
        redact_text("拨打12345热线，2026年10月8日，金额1500元") == "拨打12345热线，2026年10月8日，金额1500元"
    )


def test_resident_id_check_character_and_birth_date():
    # GB 11643-1999's own example: 11010519491231002X.
    assert resident_id_check_character("11010519491231002") == "X"
    assert resident_id_is_valid("11010519491231002X")
    assert not resident_id_is_valid("110105194912310021")  # wrong check character
    assert not resident_id_is_valid("11010519491231002x")  # callers upper-case first
    assert not resident_id_is_valid("1101051949123100")
    assert not resident_id_is_valid("")
    body = "22020219990230123"  # 30 February
    number = body + resident_id_check_character(body)
    assert not resident_id_is_valid(number)
    assert resident_id_is_valid(number, birth_date=False)
