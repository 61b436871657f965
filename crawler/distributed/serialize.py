"""JSON for everything that crosses Redis: the scrapy-redis request serializer (`loads` /
`dumps`, named by SCHEDULER_SERIALIZER) and the results workers send back.

scrapy-redis pickles requests by default, and unpickling runs code: anyone who can write to
the Redis database would run code on every worker and on the coordinator. JSON cannot; bytes
(bodies, headers) travel as base64 and bodies are zlib-compressed.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"__b": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"__d": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "__b" in value:
            return base64.b64decode(value["__b"])
        if "__d" in value:
            return {_decode(k): _decode(v) for k, v in value["__d"]}
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dumps(obj: Any) -> bytes:
    """A request dict (Request.to_dict) as JSON bytes."""
    return json.dumps(_encode(obj), sort_keys=True).encode("utf-8")


def loads(data: bytes | str) -> Any:
    return _decode(json.loads(data))


def pack_body(body: bytes) -> str:
    return base64.b64encode(zlib.compress(body, 6)).decode("ascii")


def unpack_body(text: str) -> bytes:
    return zlib.decompress(base64.b64decode(text))
