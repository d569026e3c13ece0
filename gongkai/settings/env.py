"""Read configuration from the environment, failing loudly with the name of the bad setting.

Every setting Gongkai reads from the environment goes through these helpers, so that a missing or
malformed value stops start-up with a message that names the variable (in Chinese and English)
instead of surfacing later as an obscure error.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import overload
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _fail(name: str, problem_zh: str, problem_en: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"配置项 {name} {problem_zh} / Setting {name} {problem_en}")


@overload
def get_str(name: str, default: str, *, required: bool = False) -> str: ...
@overload
def get_str(name: str, default: None = None, *, required: bool = False) -> str | None: ...
def get_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise _fail(name, "未设置，必须提供。", "is missing and is required.")
        return default
    return value


def get_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _fail(
        name,
        f"的值 {raw!r} 不是布尔值（true/false）。",
        f"has value {raw!r}, which is not a boolean (true/false).",
    )


def get_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _fail(
            name, f"的值 {raw!r} 不是整数。", f"has value {raw!r}, which is not an integer."
        ) from None
    if minimum is not None and value < minimum:
        raise _fail(name, f"的值不能小于 {minimum}。", f"must be at least {minimum}.")
    return value


def get_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


@overload
def get_url(name: str, default: str, *, schemes: set[str]) -> str: ...
@overload
def get_url(name: str, default: None, *, schemes: set[str]) -> str | None: ...
def get_url(name: str, default: str | None, *, schemes: set[str]) -> str | None:
    raw = get_str(name, default)
    if raw is None:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in schemes:
        allowed = ", ".join(sorted(schemes))
        raise _fail(
            name,
            f"的值 {raw!r} 格式不正确，协议应为：{allowed}。",
            f"has value {raw!r}, which is malformed; the scheme must be one of: {allowed}.",
        )
    return raw


def get_choice(name: str, default: str, choices: set[str]) -> str:
    raw = get_str(name, default) or default
    if raw not in choices:
        allowed = ", ".join(sorted(choices))
        raise _fail(
            name, f"的值 {raw!r} 无效，可选：{allowed}。", f"has value {raw!r}; expected one of: {allowed}."
        )
    return raw


def development_secret_key(path: Path) -> str:
    """Return the development secret key kept in ``path``, generating it on first use."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key
