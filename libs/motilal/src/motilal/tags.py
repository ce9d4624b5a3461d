"""The order tag: Motilal echoes it in every book, so it is how an order is found after a crash."""

import re
import uuid

TAG_LENGTH = 10
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TAG_RE = re.compile(r"^[A-Za-z0-9]{1,10}$")


def tag_for(order_id: str) -> str:
    """A deterministic 10-character base36 tag from the platform's order id.

    A uuid is reduced to its low 51 bits (36**10 > 2**51), so collisions need ~2**25 orders
    with the same tag window; non-uuid ids are hashed through uuid5 first.
    """
    try:
        value = uuid.UUID(order_id).int
    except ValueError:
        value = uuid.uuid5(uuid.NAMESPACE_URL, order_id).int
    value &= (1 << 51) - 1
    digits = []
    for _ in range(TAG_LENGTH):
        value, rest = divmod(value, 36)
        digits.append(_ALPHABET[rest])
    return "".join(reversed(digits))


def is_valid_tag(tag: str) -> bool:
    """Motilal's rule: at most 10 letters or digits (MO1080 too long, MO1081 special chars)."""
    return bool(_TAG_RE.match(tag))
