"""The Kafka contract for other systems: AsyncAPI 3.0 and JSON Schema, built from the code.

`python -m common.asyncapi write` (`make contracts`) writes docs/asyncapi.yaml,
docs/schemas/ and docs/samples/; the gateway serves the same document at /asyncapi.
"""

from common.asyncapi.document import build_document

__all__ = ["build_document"]
