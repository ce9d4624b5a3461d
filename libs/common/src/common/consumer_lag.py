"""Kafka consumer lag per group and partition, computed when Prometheus scrapes.

Lag is the partition's high watermark (from the consumer's last fetch answer) minus the
consumer's fetch position, for every partition the group member holds. Both are already in
the consumer's memory, so a scrape costs a few dictionary reads and no broker call, and
nothing runs between scrapes (no polling loop, no timer: an idle service stays idle).

A partition not fetched yet (no high watermark) or without a valid position (being reset
after a rebalance) is left out until it has both. While a doorbell consumer is paused its
high watermark is the one of its last fetch: records produced without a ring show up once
the backstop fetch sees them.
"""

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class ConsumerLag(Collector):
    """`<prefix>_consumer_lag_messages{group, topic, partition}` of the consumers watched."""

    def __init__(self, prefix: str) -> None:
        self.name = f"{prefix}_consumer_lag_messages"
        self._consumers: dict[str, Any] = {}

    def watch(self, group: str, consumer: Any) -> None:
        """The group's current consumer (the latest one replaces an earlier one)."""
        self._consumers[group] = consumer

    def _family(self) -> GaugeMetricFamily:
        return GaugeMetricFamily(
            self.name,
            "Messages behind the partition's high watermark, by consumer group "
            "(from the consumer's last fetch; read when scraped)",
            labels=["group", "topic", "partition"],
        )

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield self._family()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = self._family()
        for group, consumer in sorted(self._consumers.items()):
            for (topic, partition), lag in sorted(partition_lag(consumer).items()):
                family.add_metric([group, topic, str(partition)], lag)
        yield family


def partition_lag(consumer: Any) -> dict[tuple[str, int], int]:
    """High watermark minus position for each assigned partition that has both."""
    lags: dict[tuple[str, int], int] = {}
    subscription = getattr(consumer._subscription, "subscription", None)
    assignment = getattr(subscription, "assignment", None)
    if assignment is None:  # not joined yet, or between assignments
        return lags
    for partition in consumer.assignment():
        state = assignment.state_value(partition)
        if state is None or state.highwater is None or not state.has_valid_position:
            continue
        lags[(partition.topic, partition.partition)] = max(0, state.highwater - state.position)
    return lags
