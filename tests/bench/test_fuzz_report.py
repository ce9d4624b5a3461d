"""The fuzz drill's report keeps what a failure needs to be reproduced, and only that."""

from bench.drill.fuzz import _failures

OUTPUT = """\
Schema validation mismatch: 2 operations mostly rejected generated data

  - POST /api/v1/groups
  - PUT /api/v1/groups/{name}

=================================== FAILURES ===================================
____________________ POST /api/v1/orders/{order_id}/modify _____________________
1. Test Case ID: wyY9Ad

- Server error

[503] Service Unavailable:

    `{"detail":"the order-router is unavailable (HTTP 500); try again shortly"}`

Reproduce with:

    curl -X POST -H 'Idempotency-Key: 0' http://127.0.0.1:1/api/v1/orders/x/modify

=================================== WARNINGS ===================================
  - DELETE /api/v1/groups/{name}
=================================== SUMMARY ====================================
"""


def test_fuzz_report_keeps_the_failures_section_and_not_the_warnings() -> None:
    lines = _failures(OUTPUT)

    assert "POST /api/v1/orders/{order_id}/modify" in lines[0]
    assert "[503] Service Unavailable:" in lines
    assert any(line.startswith("curl -X POST") for line in lines)
    assert not any("groups" in line for line in lines)


def test_fuzz_report_of_a_clean_run_is_empty() -> None:
    assert _failures(OUTPUT.split("=== FAILURES")[0]) == []
