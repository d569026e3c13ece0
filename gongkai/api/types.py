"""Shared field types for API schemas and parameters."""

from typing import Annotated

from pydantic import Field

#: A database id: positive and within a signed 64-bit integer (SQLite and PostgreSQL bigint).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
