"""The batch an order request makes, as a route dependency (`batch: NewBatch`).

The gateway mints every batch id before it publishes (common.contracts.requests), and the
batch id is the correlation id of everything the request causes, its actor the trader who
asked. `envelope()` fills those fields the same way on every request message of the batch.
"""

from dataclasses import dataclass
from typing import Annotated, Any

from common.ids import new_id
from fastapi import Depends

from gateway.auth.deps import Trader


@dataclass(frozen=True, slots=True)
class Batch:
    batch_id: str
    actor: str

    def envelope(self) -> dict[str, Any]:
        """The fields a request message of this batch starts with."""
        return {"correlation_id": self.batch_id, "actor": self.actor, "batch_id": self.batch_id}


async def _new_batch(user: Trader) -> Batch:
    return Batch(batch_id=new_id(), actor=user.username)


NewBatch = Annotated[Batch, Depends(_new_batch)]
"""A fresh batch of the requesting trader (the same user as `Once`'s)."""
