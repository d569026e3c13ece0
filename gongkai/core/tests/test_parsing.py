import pytest

from gongkai.core.parsing import parse_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        (5, 5),
        ("0", None),
        ("-1", None),
        ("²", None),
        ("٣", None),
        ("9" * 40, None),
        ("", None),
        (None, None),
        (True, None),
        ("1e3", None),
    ],
)
def test_parse_id(raw, expected):
    assert parse_id(raw) == expected
