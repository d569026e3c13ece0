import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from gongkai.accounts.demo import DEMO_PASSWORD
from gongkai.accounts.models import User
from gongkai.accounts.validators import CharacterClassValidator


@pytest.mark.parametrize(
    "password",
    ["Gongkai-demo-2026", "jilin.12345.Rexian", "Songhua-River-7", "abcdEFGH1234"],
)
def test_strong_passwords_pass(password):
    validate_password(password)


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Ab1-short", "password_too_short"),  # 9 characters
        ("1234567890123", "password_entirely_numeric"),
        ("password1234", "password_too_common"),
        ("alllowercaseletters", "password_too_simple"),
        ("lowercase1234567", "password_too_simple"),  # two classes only
    ],
)
def test_weak_passwords_fail(password, code):
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password)
    assert code in {error.code for error in excinfo.value.error_list}


def test_password_similar_to_username_fails():
    user = User(username="zhangwei2026", first_name="Wei", last_name="Zhang")
    with pytest.raises(ValidationError) as excinfo:
        validate_password("Zhangwei2026!", user)
    assert "password_too_similar" in {error.code for error in excinfo.value.error_list}


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("abcDEF123", True),
        ("abc-123x", True),
        ("ABC-DEF-", False),
        ("abcdefgh", False),
        ("密码密码Ab", False),
    ],
)
def test_character_classes(password, ok):
    validator = CharacterClassValidator()
    if ok:
        validator.validate(password)
    else:
        with pytest.raises(ValidationError):
            validator.validate(password)
    assert "至少三类" in validator.get_help_text()


def test_demo_password_satisfies_the_policy():
    validate_password(DEMO_PASSWORD)
