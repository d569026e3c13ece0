"""Shared field types for API schemas and parameters."""

import re
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import Field, ModelWrapValidatorHandler, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

#: A database id: positive and within a signed 64-bit integer (SQLite and PostgreSQL bigint).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]

#: Characters no text column can store: PostgreSQL refuses NUL, and a lone surrogate is not UTF-8.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class InputSchema(Schema):
    """A ninja ``Schema`` for request bodies: a plain dict is validated once, as it is.

    ninja's ``Schema`` wraps whatever it validates in a ``DjangoGetter`` (so that an output can be
    read from a model instance, with ``resolve_*`` methods, managers and querysets turned into
    lists), and validates a schema with ``extra="forbid"`` twice: once as given, to find extra
    keys, then wrapped. A JSON body is a dict of plain values that needs none of this, and on the
    public intake the second validation cost more than the first. Anything else (a model
    instance, or a subclass with ``resolve_*`` methods) is validated as ninja does."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if type(values) is dict and not cls._ninja_resolvers:  # type: ignore[attr-defined]
            return handler(values)
        # As ninja.Schema._run_root_validator.
        if cls.model_config.get("extra") == "forbid" or cls.model_config.get("validate_assignment", False):
            handler(values)
        return handler(DjangoGetter(values, cls, info.context))


def unstorable_at(value: Any, where: str = "") -> str | None:
    """The path (``figures.0.row``) of the first string in ``value``, keys included, that holds a
    character no column can store; None if there is none."""
    if isinstance(value, str):
        return (where or "value") if UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            found = unstorable_at(key, path) or unstorable_at(item, path)
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = unstorable_at(item, f"{where}.{index}" if where else str(index))
            if found:
                return found
    return None


class StorableSchema(Schema):
    """An input schema that refuses NUL characters and lone surrogates in any of its text (a 422
    naming the field) before they reach a query or a column, where PostgreSQL would fail with a 500.

    Inputs that must take such text and clean it (the opinion ingest) do not use it."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_unstorable(cls, data: Any) -> Any:
        # ninja hands schemas that allow extra fields their input wrapped in a DjangoGetter.
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if isinstance(raw, dict):  # a model instance passes through
            field = unstorable_at(raw)
            if field is not None:
                raise PydanticCustomError(
                    "invalid_characters",
                    _("{field}：含有无法保存的字符（空字符或无效的 Unicode 字符），请删除后重试。"),
                    # The path itself may hold the character (a key): shown replaced, since
                    # pydantic's errors() cannot encode a lone surrogate.
                    {"field": UNSTORABLE.sub("\ufffd", field)},
                )
        return data
