"""The AsyncAPI document as a readable HTML page (pure: a document in, a page out).

Server-rendered, no script and no CDN (the gateway's CSP allows neither): topics with
their keys, partitions and retention, then every message's fields with type, whether it
is always there, and what it means.
"""

import json
import re
from html import escape
from typing import Any

STYLE = """\
body { font: 15px/1.45 system-ui, sans-serif; color: #1d232a;
       margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem;
         border-bottom: 1px solid #d6dbe1; }
th { background: #f1f4f7; }
code { background: #f1f4f7; padding: 0 .2rem; border-radius: 3px; }
h2 { border-bottom: 2px solid #1d232a; margin-top: 2.5rem; }
h3 { margin-top: 2rem; }
.summary { color: #4a5560; }
"""
_REF = "#/components/schemas/"


def _inline(text: str) -> str:
    """Escape, then the two bits of markdown the descriptions use: `code` and **bold**."""
    out = escape(text)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{_inline(p)}</p>" for p in text.split("\n\n") if p.strip())


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(_REF)
        return f'<a href="#schema-{escape(name)}">{escape(name)}</a>'
    if "const" in schema:
        return f"<code>{escape(str(schema['const']))}</code>"
    if "enum" in schema:
        return "one of " + ", ".join(f"<code>{escape(str(v))}</code>" for v in schema["enum"])
    for union in ("anyOf", "oneOf"):
        if union in schema:
            return " or ".join(_type(branch) for branch in schema[union])
    if schema.get("type") == "array":
        return "list of " + _type(schema.get("items", {}))
    kind = str(schema.get("type", "any"))
    if kind == "string" and "pattern" in schema and "rupees" in schema.get("description", ""):
        return "decimal string"
    return escape(schema.get("format", kind))


def _fields(schema: dict[str, Any]) -> str:
    required = set(schema.get("required", ()))
    rows = []
    for name, field in schema.get("properties", {}).items():
        text = field.get("description", "")
        if "default" in field and name not in required:
            text = f"{text} (default {json.dumps(field['default'])})".strip()
        rows.append(
            f"<tr><td><code>{escape(name)}</code></td><td>{_type(field)}</td>"
            f"<td>{'yes' if name in required else 'no'}</td><td>{_inline(text)}</td></tr>"
        )
    head = "<tr><th>field</th><th>type</th><th>always there</th><th>meaning</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _topics(document: dict[str, Any]) -> str:
    rows = []
    for channel in document["channels"].values():
        kafka = channel["bindings"]["kafka"]
        config = kafka["topicConfiguration"]
        kept = (
            "compacted"
            if config["cleanup.policy"] == ["compact"]
            else f"{config['retention.ms'] // 86_400_000} days"
        )
        messages = ", ".join(
            f'<a href="#message-{escape(n)}">{escape(n)}</a>' for n in channel["messages"]
        )
        rows.append(
            f'<tr><td id="topic-{escape(channel["address"])}"><code>{escape(channel["address"])}'
            f"</code></td><td>{kafka['partitions']}</td><td>{kept}</td><td>{messages}</td>"
            f"<td>{_paragraphs(channel.get('description', ''))}</td></tr>"
        )
    head = "<tr><th>topic</th><th>partitions</th><th>kept</th><th>messages</th><th>about</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _message(name: str, message: dict[str, Any], schemas: dict[str, Any]) -> str:
    payload = message["payload"]
    if "$ref" in payload:
        payload = schemas[payload["$ref"].removeprefix(_REF)]
    key = message["bindings"]["kafka"]["key"].get("description", "")
    headers = ", ".join(f"<code>{escape(h)}</code>" for h in message["headers"]["properties"])
    if "properties" in payload:
        body = _fields(payload)
    else:
        body = _paragraphs(payload.get("description", ""))
    title = f"{escape(name)} <code>{escape(message['name'])}</code>"
    return (
        f'<h3 id="message-{escape(name)}">{title}</h3>'
        f'<p class="summary">{_inline(message.get("summary", ""))}</p>'
        f"<p>Key: {_inline(key)}. Headers: {headers}.</p>{body}"
    )


def render(document: dict[str, Any]) -> str:
    info = document["info"]
    schemas: dict[str, Any] = document["components"]["schemas"]
    messages: dict[str, Any] = document["components"]["messages"]
    payloads = {m["payload"].get("$ref", "").removeprefix(_REF) for m in messages.values()}
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>{escape(info['title'])} {escape(info['version'])}</title>",
        '<link rel="stylesheet" href="/asyncapi.css"></head><body>',
        f"<h1>{escape(info['title'])} <small>{escape(info['version'])}</small></h1>",
        '<p>AsyncAPI 3.0 as <a href="/asyncapi.json">JSON</a>; the same file is '
        "<code>docs/asyncapi.yaml</code>, with JSON Schema per message under "
        "<code>docs/schemas/</code>.</p>",
        _paragraphs(info.get("description", "")),
        "<h2>Topics</h2>",
        _topics(document),
        "<h2>Messages</h2>",
        *(_message(n, m, schemas) for n, m in messages.items()),
        "<h2>Shared types</h2>",
    ]
    for name, schema in schemas.items():
        if name in payloads:
            continue
        body = _fields(schema) if "properties" in schema else f"<p>{_type(schema)}</p>"
        parts.append(
            f'<h3 id="schema-{escape(name)}">{escape(name)}</h3>'
            f'<p class="summary">{_inline(schema.get("description", ""))}</p>{body}'
        )
    parts.append("</body></html>")
    return "".join(parts)
