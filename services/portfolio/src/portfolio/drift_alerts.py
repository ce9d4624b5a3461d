"""The alert a confirmed position drift raises (alerts.v1), pure.

A difference with the broker is confirmed once `drift_confirmations` snapshots in a row
showed exactly it (a fill on its way shows for one snapshot, then goes); the alert is raised
at that moment, once per difference: a later snapshot that shows it again counts past the
threshold and raises nothing, a changed difference starts counting again.
"""

import uuid

from common.contracts.accounts import BrokerPositionsSnapshot
from common.contracts.alerts import AlertKind, AlertRaised, AlertSeverity

from portfolio.drift import DriftRecord

_NAMESPACE = uuid.UUID("5b0c8a52-6f7e-4c1e-9a51-2b7f3d0c9e41")


def confirmed_now(record: DriftRecord, confirmations: int) -> bool:
    return record.snapshots_seen == confirmations


def drift_alert(snapshot: BrokerPositionsSnapshot, record: DriftRecord) -> AlertRaised:
    client = snapshot.client_id
    what = f"{record.exchange} {record.token} {record.product}"
    key = f"{snapshot.event_id}:{record.exchange}:{record.token}:{record.product}"
    return AlertRaised(
        **snapshot.caused(),
        event_id=uuid.uuid5(_NAMESPACE, key).hex,
        kind=AlertKind.DRIFT,
        severity=AlertSeverity.WARNING,
        scope=client,
        client_id=client,
        client_ids=(client,),
        title=f"Position drift for {client}: {what}",
        detail=(
            f"the platform holds {record.ours}, the broker {record.broker} "
            f"({record.snapshots_seen} snapshots in a row since "
            f"{record.first_seen_at:%Y-%m-%d %H:%M} UTC); see GET /api/v1/admin/drift"
        ),
    )
