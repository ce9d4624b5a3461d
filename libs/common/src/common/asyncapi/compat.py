"""Is a new JSON Schema of a message a compatible successor of the published one? (pure)

A `.v1` topic may only gain optional fields (and new message types). Everything else a
reader could trip on is breaking and needs a `.v2` topic: a field removed, a field made
required (or a required one made optional: readers rely on it being there), a type,
format, pattern, bound or enum changed, a union gaining or losing a branch. Words
(title, description, examples, defaults) may change freely.
"""

from typing import Any

_WORDS = frozenset({"title", "description", "examples", "default", "$comment", "$id", "$schema"})
_WALKED = frozenset({"properties", "required", "items", "anyOf", "oneOf", "allOf", "$defs"})


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Every breaking difference from `old` to `new`, each naming the field's path."""
    found: list[str] = []
    _compare(old, new, old, new, "", found)
    return found


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in node and seen < 50:
        path = node["$ref"].removeprefix("#/").split("/")
        target: Any = root
        for part in path:
            target = target[part]
        node, seen = target, seen + 1
    return node


def _compare(
    old: dict[str, Any],
    new: dict[str, Any],
    old_root: dict[str, Any],
    new_root: dict[str, Any],
    path: str,
    found: list[str],
) -> None:
    old, new = _resolve(old, old_root), _resolve(new, new_root)
    where = path or "(message)"
    for key in sorted((set(old) | set(new)) - _WORDS - _WALKED - {"$ref"}):
        if old.get(key) != new.get(key):
            found.append(f"{where}: {key} changed from {old.get(key)!r} to {new.get(key)!r}")
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_req, new_req = set(old.get("required", ())), set(new.get("required", ()))
    for name in old_props:
        field = f"{path}.{name}" if path else name
        if name not in new_props:
            found.append(f"{field}: removed")
            continue
        if (name in old_req) != (name in new_req):
            now = "required" if name in new_req else "optional"
            found.append(f"{field}: made {now}")
        _compare(old_props[name], new_props[name], old_root, new_root, field, found)
    for name in new_props:
        if name not in old_props and name in new_req:
            found.append(f"{path + '.' if path else ''}{name}: added as required")
    if "items" in old or "items" in new:
        _compare(old.get("items", {}), new.get("items", {}), old_root, new_root, path + "[]", found)
    for union in ("anyOf", "oneOf", "allOf"):
        old_branches, new_branches = old.get(union, []), new.get(union, [])
        if len(old_branches) != len(new_branches):
            found.append(
                f"{where}: {union} went from {len(old_branches)} to {len(new_branches)} branches"
            )
            continue
        for i, (a, b) in enumerate(zip(old_branches, new_branches, strict=True)):
            _compare(a, b, old_root, new_root, f"{path}<{union} {i}>", found)
