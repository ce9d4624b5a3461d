import asyncio
import time

from broker_adapter.execution.throttle import Throttle


async def test_throttle_per_client_segment_never_exceeds_rate_in_any_second() -> None:
    throttle = Throttle(per_client_per_second=20, global_per_second=1000)
    stamps: list[float] = []

    async def write() -> None:
        async with throttle.order_write("C1", "NSE"):
            stamps.append(time.monotonic())

    await asyncio.gather(*(write() for _ in range(30)))
    stamps.sort()
    for i, start in enumerate(stamps):
        in_window = [s for s in stamps[i:] if s < start + 1.0]
        assert len(in_window) <= 20


async def test_throttle_other_client_is_not_held_up_by_a_busy_one() -> None:
    throttle = Throttle(per_client_per_second=10, global_per_second=1000)
    done: list[str] = []

    async def write(client: str) -> None:
        async with throttle.order_write(client, "NSE"):
            done.append(client)

    busy = [asyncio.create_task(write("BUSY")) for _ in range(10)]
    await asyncio.sleep(0)
    await write("OTHER")
    # The busy client's 10 writes take ~0.9 s; the other one went straight through.
    assert done.index("OTHER") <= 2
    await asyncio.gather(*busy)
