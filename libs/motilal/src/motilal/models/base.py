"""The base of every Motilal model: immutable once parsed from an answer."""

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)
