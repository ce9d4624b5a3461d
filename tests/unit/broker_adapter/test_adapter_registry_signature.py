"""The gateway's signature on ClientUpserted: what it covers and what the adapter refuses."""

import base64

import pytest
from broker_adapter.sessions.signature import (
    RegistryKeyInvalid,
    RegistryVerifier,
    registry_verifier,
    verify_key_from,
)
from common.contracts.accounts import ClientUpserted, DealerUpserted, RiskLimits
from common.enums import Exchange, TradeType
from common.topics import CLIENTS
from gateway.clients.signing import SigningUnavailable, signed, signing_key_from
from nacl.signing import SigningKey
from pydantic import SecretStr

KEY = SigningKey.generate()
VERIFIER = RegistryVerifier(KEY.verify_key)


def message(**changes: object) -> ClientUpserted:
    fields: dict[str, object] = {
        "correlation_id": "c1", "actor": "admin", "client_id": "C1", "motilal_client_id": "M1",
        "name": "One", "active": True, "exchanges": (Exchange.NSE,),
        "trade_types": (TradeType.DELIVERY,), "limits": RiskLimits(), "sealed_credentials": "box",
    }  # fmt: skip
    return ClientUpserted.model_validate({**fields, **changes})


def test_registry_message_signed_by_gateway_key_is_genuine() -> None:
    m = signed(message(), KEY)
    assert VERIFIER.genuine([m]) == [m]
    # it survives the trip through Kafka's JSON
    assert VERIFIER.refusal(ClientUpserted.model_validate_json(m.model_dump_json())) is None


COVERED = [
    {"client_id": "C2"}, {"sealed_credentials": "other-box"}, {"motilal_client_id": "M2"},
    {"active": False}, {"name": "Two"}, {"event_id": "e2"},
]  # fmt: skip


@pytest.mark.parametrize("change", COVERED, ids=lambda c: next(iter(c)))
def test_registry_message_with_covered_field_changed_is_refused(change: dict[str, object]) -> None:
    tampered = signed(message(), KEY).model_copy(update=change)
    assert VERIFIER.refusal(tampered) == "bad_signature"
    assert VERIFIER.genuine([tampered]) == []


def test_registry_message_unsigned_or_by_another_key_is_refused() -> None:
    assert VERIFIER.refusal(message()) == "unsigned"
    assert VERIFIER.refusal(signed(message(), SigningKey.generate())) == "bad_signature"
    assert VERIFIER.refusal(message(signature="not base64!")) == "malformed"


def test_registry_verifier_without_key_refuses_to_start_outside_dev_mode() -> None:
    with pytest.raises(SystemExit, match="BROKER_ADAPTER_REGISTRY_VERIFY_KEY"):
        registry_verifier(None, dev_mode=False)
    assert registry_verifier(None, dev_mode=True).refusal(message()) is None
    with pytest.raises(RegistryKeyInvalid):
        verify_key_from("too-short")


def test_gateway_signing_key_from_base64_seed() -> None:
    seed = base64.b64encode(bytes(KEY)).decode()
    assert signing_key_from(SecretStr(seed)) == KEY
    assert signing_key_from(None) is None
    with pytest.raises(SigningUnavailable):
        signing_key_from(SecretStr("AAAA"))


def dealer(**changes: object) -> DealerUpserted:
    fields: dict[str, object] = {
        "correlation_id": "c1", "actor": "admin", "dealer_id": "desk1",
        "motilal_client_id": "DLR1", "name": "Desk", "sealed_credentials": "box",
    }  # fmt: skip
    return DealerUpserted.model_validate({**fields, **changes})


def test_dealer_and_client_moved_to_another_dealer_need_the_gateway_signature() -> None:
    genuine = signed(dealer(), KEY)
    assert VERIFIER.genuine_registry([genuine]) == [genuine]
    assert VERIFIER.genuine([genuine]) == []  # clients only
    for change in ({"sealed_credentials": "other"}, {"dealer_id": "desk2"}):
        assert VERIFIER.refusal(genuine.model_copy(update=change)) == "bad_signature"
    through = signed(message(dealer_id="desk1", sealed_credentials=None), KEY)
    assert VERIFIER.refusal(through) is None
    assert VERIFIER.refusal(through.model_copy(update={"dealer_id": "desk2"})) == "bad_signature"


def test_registry_key_of_a_dealer_never_collides_with_a_client_id() -> None:
    assert CLIENTS.key_of(dealer()) == b"dealer:desk1"
    assert CLIENTS.key_of(message(client_id="desk1")) == b"desk1"
