"""What changed between a preview and its execution, named fact by fact."""

from gateway.previews import changes


def test_changes_name_every_fact_and_client_that_differs() -> None:
    shown = {
        "A": {"quantity": 65, "session": "ACTIVE", "available_margin": "1000", "risk": "approved"},
        "B": {"quantity": 130, "session": "ACTIVE", "available_margin": None, "risk": "margin"},
        "C": {"quantity": 0, "session": None, "available_margin": None, "risk": None},
    }
    now = {
        "A": {"quantity": 65, "session": "FAILED", "available_margin": "900", "risk": "approved"},
        "B": dict(shown["B"]),
        "D": {"quantity": 65, "session": None, "available_margin": None, "risk": "approved"},
    }
    assert changes(shown, now) == [
        "A: session ACTIVE -> FAILED",
        "A: available_margin 1000 -> 900",
        "C: no longer in the order",
        "D: not in the preview",
    ]
    assert changes(shown, shown) == []
