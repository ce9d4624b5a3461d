"""The batch an order request makes, as a route dependency (`batch: NewBatch`).

The gateway mints every batch id before it publishes (common.contracts.requests), and the
batch id is the correlation id of everything the request causes, its actor the trader who
asked. `envelope()` fills those fields the same way on every request message of the batch.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from common.ids import new_id
from fastapi import APIRouter, Depends, status
from fastapi.types import DecoratedCallable

from gateway.auth.deps import Trader
from gateway.order_models import Accepted


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


def batch_route(
    router: APIRouter, path: str, **options: Any
) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """POST `path` as a route that starts a batch: it answers 202 with `Accepted` at once
    (the broker works later; GET /batches/{batch_id} follows it)."""
    return router.post(
        path, status_code=status.HTTP_202_ACCEPTED, response_model=Accepted, **options
    )
