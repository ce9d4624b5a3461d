"""Following a batch to its end with a Rich progress bar, polling GET /api/v1/batches/{id}.

Polling, not the /ws batch channel: one request every half second per operator is nothing
for the gateway, and it survives a gateway restart or a proxy that drops WebSockets.
"""

import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from platform_cli.api import Api, ApiError

POLL_SECONDS = 0.5


def _summary(batch: dict[str, Any]) -> str:
    counts = batch.get("counts") or {}
    return " ".join(f"{status}={n}" for status, n in sorted(counts.items())) or "waiting"


def follow_batch(
    api: Api, batch_id: str, orders: int, console: Console, timeout: float
) -> dict[str, Any]:
    """The batch once every order is terminal; raises ApiError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    batch: dict[str, Any] = {"batch_id": batch_id, "counts": {}}
    columns = (
        TextColumn("[bold]batch {task.fields[batch]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("waiting", total=orders, batch=batch_id[:8])
        while True:
            try:
                batch = api.get(f"/api/v1/batches/{batch_id}")
            except ApiError as error:
                if "HTTP 404" not in str(error):  # a batch just accepted appears within moments
                    raise
            else:
                done = sum(1 for o in batch.get("orders", []) if o.get("terminal"))
                total = batch.get("total", orders)
                progress.update(task, completed=done, total=total, description=_summary(batch))
                if batch.get("complete"):
                    return batch
            if time.monotonic() > deadline:
                raise ApiError(
                    f"batch {batch_id} not finished after {timeout:.0f} s ({_summary(batch)}); "
                    f"follow it with `platform orders --batch {batch_id}`"
                )
            time.sleep(POLL_SECONDS)
