"""common.db.from_row: a store's dataclass from a real asyncpg row, columns named as fields."""

from dataclasses import dataclass
from enum import StrEnum

import pytest
from common.db import create_pool, from_row
from common.ids import new_id
from stack.testing import TestStack


class Colour(StrEnum):
    RED = "RED"


@dataclass(frozen=True)
class Thing:
    name: str
    colour: Colour
    tags: tuple[str, ...]
    size: int = 1
    note: str | None = None


async def test_from_row_maps_columns_by_field_name_converts_and_ignores_the_rest(
    stack: TestStack,
) -> None:
    pool = await create_pool(stack.postgres_dsn, f"r_{new_id()[:10]}", max_size=1)
    try:
        row = await pool.fetchrow(
            "SELECT 'pen' AS name, 'RED' AS colour, ARRAY['a','b'] AS tags, 3 AS size,"
            " 'unrelated' AS other"
        )
        assert row is not None
        thing = from_row(Thing, row, colour=Colour(row["colour"]), tags=tuple(row["tags"]))
        assert thing == Thing("pen", Colour.RED, ("a", "b"), size=3, note=None)
        assert thing.colour is Colour.RED
    finally:
        await pool.close()


async def test_from_row_defaults_a_field_without_column_and_names_a_missing_required_one(
    stack: TestStack,
) -> None:
    pool = await create_pool(stack.postgres_dsn, f"r_{new_id()[:10]}", max_size=1)
    try:
        row = await pool.fetchrow("SELECT 'pen' AS name, 'RED' AS colour")
        assert row is not None
        thing = from_row(Thing, row, tags=())
        assert (thing.size, thing.note) == (1, None)
        with pytest.raises(KeyError, match="tags"):
            from_row(Thing, row)
    finally:
        await pool.close()
