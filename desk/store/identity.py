"""This installation's identity: files it created are its own; others open read-only."""

from __future__ import annotations

import json
from dataclasses import dataclass

from desk import paths
from desk.domain.model import new_uid
from desk.store.lock import holder_name


@dataclass(frozen=True)
class Installation:
    id: str
    name: str


def installation() -> Installation:
    path = paths.user_data_dir() / "installation.json"
    try:
        data = json.loads(path.read_text("utf-8"))
        if isinstance(data, dict) and isinstance(data.get("id"), str) and data["id"]:
            return Installation(id=data["id"], name=str(data.get("name") or holder_name()))
    except (OSError, ValueError):
        pass
    me = Installation(id=new_uid(), name=holder_name())
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"id": me.id, "name": me.name}, ensure_ascii=False), "utf-8")
    tmp.replace(path)
    return me
