"""After an update: metadata.json without the fields the pipeline's archive step added.

When a task is merged, the monorepo's archive step (scripts/ci-archive-folders.sh)
adds `coverage`, `author` and `dockerS3Location` to its metadata.json and moves
it to archive/<platform>-<language>/Pr<N>/. A task brought back from there to
the root (the LocalStack migration tasks do) carries them, and the pipeline's
metadata schema refuses all three (it is closed). copier update re-applies them
as the owner's edits of a template-owned file, so the "after" update check
(after_update.py) removes them, names them, and says where the archived copy
keeps them. Every other field stays as it is, and a metadata.json that is not
a JSON object is left alone (the preflight names what is wrong with it).

Standard library only: it runs under copier's Python.
"""
from __future__ import annotations

import json
from pathlib import Path

METADATA = "metadata.json"
# What ci-archive-folders.sh adds (tapkit/pipeline/metadata_schema.json "extra_field_hints" says why each is refused).
ARCHIVE_FIELDS = ("coverage", "author", "dockerS3Location")


def _dump(data: dict, like: str) -> str:
    """`data` as JSON in the layout of `like` (the template's to_json(indent=2); jq's for an archived file)."""
    for ascii_only in (True, False):
        for ending in ("\n", ""):
            if json.dumps(json.loads(like), indent=2, ensure_ascii=ascii_only) + ending == like:
                return json.dumps(data, indent=2, ensure_ascii=ascii_only) + ending
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def drop_archive_fields(project: Path) -> list[str]:
    """Remove the archive step's fields from the project's metadata.json; what was done, for the log."""
    path = Path(project) / METADATA
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict):
        return []
    found = [name for name in ARCHIVE_FIELDS if name in data]
    if not found:
        return []
    kept = {key: value for key, value in data.items() if key not in ARCHIVE_FIELDS}
    path.write_text(_dump(kept, text), encoding="utf-8")
    return [f"removed {', '.join(found)} from {METADATA}: the pipeline's archive step adds them when it archives a "
            "merged task and its metadata schema refuses them (the archived copy, archive/<platform>-<language>/"
            "Pr<N>/metadata.json, keeps them)"]
