import pytest
from django.core.exceptions import ValidationError

from gongkai.accounts.credit_code import (
    credit_code_build,
    credit_code_check_character,
    credit_code_is_valid,
    organization_code_check_character,
    validate_credit_code,
)
from gongkai.accounts.demo import DEPARTMENTS, demo_credit_code


def test_code_in_the_requirement_header_is_valid():
    # 索引号 11220200795219742W/2014-09752 of 吉市政办发〔2014〕2号.
    assert credit_code_check_character("11220200795219742") == "W"
    assert organization_code_check_character("79521974") == "2"
    assert credit_code_is_valid("11220200795219742W")


@pytest.mark.parametrize(
    "value",
    [
        "11220200795219742X",  # wrong check character
        "1122020079521974W",  # 17 characters
        "11220200795219742WW",  # 19 characters
        "11A20200795219742W",  # letter in the division code
        "11220200795219I42W",  # I is not in the alphabet
        "11220200795219742w",  # lower case
        "",
    ],
)
def test_invalid_codes_are_rejected(value):
    assert not credit_code_is_valid(value)
    with pytest.raises(ValidationError):
        validate_credit_code(value)


def test_wrong_check_character_message_names_the_expected_one():
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code("11220200795219742X")
    assert excinfo.value.code == "credit_code_check"
    assert "W" in excinfo.value.messages[0]


def test_build_computes_both_check_characters():
    code = credit_code_build(authority="1", kind="1", division="220200", organization_body="79521974")
    assert code == "11220200795219742W"


def test_every_demo_code_is_valid_and_unique():
    codes = [demo_credit_code(code=row[0], division=row[5], registration_type=row[6]) for row in DEPARTMENTS]
    assert all(credit_code_is_valid(code) for code in codes)
    assert len(set(codes)) == len(codes)
