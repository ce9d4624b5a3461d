"""The drills' plans (full and CI-short) and one run of them on one platform."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.drill.checks import Check
from bench.drill.dlq import run_dlq_drill
from bench.drill.downtime import DownPlan, run_down_drill
from bench.drill.fuzz import run_fuzz_drill
from bench.drill.kills import KillPlan, run_kill_drill
from bench.drill.outages import OutagePlan, run_outage_drill
from bench.drill.replicas import ReplicaPlan, run_replica_drill
from bench.harness import Harness

DRILLS = ("dlq", "down", "kills", "replicas", "outages", "fuzz")
"""In the order they run: the fuzz drill last, as it changes state freely."""


@dataclass(frozen=True)
class DrillPlan:
    clients: int
    kills: KillPlan
    down: DownPlan
    outages: OutagePlan
    replicas: ReplicaPlan
    fuzz_examples: int
    fuzz_max_s: float | None

    @classmethod
    def full(cls, orders: int = 5000, clients: int = 100, down_s: float = 30) -> "DrillPlan":
        return cls(
            clients=clients,
            kills=KillPlan(
                batches=-(-orders // clients), clients=clients, interval_s=1.0, fault_share=0.05
            ),
            down=DownPlan(clients=clients, down_s=down_s),
            outages=OutagePlan(batches=60, clients=clients, interval_s=1.0),
            replicas=ReplicaPlan(batches=-(-orders // clients), clients=clients, interval_s=1.0),
            fuzz_examples=25,
            fuzz_max_s=None,
        )

    @classmethod
    def short(cls) -> "DrillPlan":
        return cls(
            clients=16,
            kills=KillPlan(
                batches=8,
                clients=16,
                interval_s=1.5,
                fault_share=0.05,
                timeout_s=6.0,
                settle_s=300.0,
            ),
            down=DownPlan(clients=16, down_s=8, settle_s=180.0),
            outages=OutagePlan(batches=12, clients=16, interval_s=1.5, settle_s=300.0),
            replicas=ReplicaPlan(batches=10, clients=16, interval_s=1.5, settle_s=300.0),
            fuzz_examples=3,
            fuzz_max_s=60,
        )


class DrillRun:
    """One harness, the drills in a safe order, every check kept and printed as it lands."""

    def __init__(self, plan: DrillPlan, folder: Path, say: Callable[[str], None] = print) -> None:
        self.plan = plan
        self.folder = folder
        self.say = say
        self.harness = Harness(folder, plan.clients)
        self.checks: dict[str, list[Check]] = {}

    async def start(self) -> None:
        await self.harness.start(log=self.say)

    async def run(self, drill: str) -> list[Check]:
        h, plan = self.harness, self.plan
        started = time.monotonic()
        self.say(f"drill {drill} ...")
        if drill == "dlq":
            checks = await run_dlq_drill(h, plan.clients)
        elif drill == "down":
            checks = await run_down_drill(h, plan.down)
        elif drill == "kills":
            checks = await run_kill_drill(h, plan.kills)
        elif drill == "replicas":
            checks = await run_replica_drill(h, plan.replicas)
        elif drill == "outages":
            checks = await run_outage_drill(h, plan.outages)
        elif drill == "fuzz":
            checks = await run_fuzz_drill(h, plan.fuzz_examples, self.folder, plan.fuzz_max_s)
        else:
            raise ValueError(f"unknown drill {drill!r}; choose from {', '.join(DRILLS)}")
        self.checks[drill] = checks
        for check in checks:
            self.say(f"[{drill}] {check.line()}")
        self.say(f"drill {drill} took {time.monotonic() - started:.0f} s")
        return checks

    async def stop(self) -> None:
        await self.harness.stop()
