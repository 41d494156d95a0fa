"""adopt where the pipeline keeps a hand-made task: an archived folder brought back to the root of a monorepo checkout.

A hand-made task (tests/fixtures/handmade/ns-suffix-only) as the pipeline's
archive step left it (only its archive list, metadata.json with coverage, author
and dockerS3Location), moved to the root of a branch of the monorepo (as the
LocalStack migration tasks are): adopt takes it as a monorepo task, writes only
the task's paths, leaves the monorepo's own files alone, and the task then
updates and passes the pipeline's offline gates.
"""
from __future__ import annotations

import json
import shutil

from helpers import PYTHON, ROOT, answers, run
from test_task_lifecycle import DOCS, ROOT_FILES, changed, monorepo, outside_the_task, sha, update
from tapkit import conventions
from tapkit.fleet import adopt, gitutil, sandbox
from tapkit.pipeline import runner

HANDMADE = ROOT / "tests" / "fixtures" / "handmade" / "ns-suffix-only"


def test_an_archived_hand_made_task_at_the_monorepo_root_is_adopted_updated_and_passes_the_gates(tmp_path):
    releases = sandbox.sample_releases(tmp_path / "template")
    root = monorepo(tmp_path / "monorepo")
    for name in conventions.DATA["metadata"]["archive_keeps"]:
        if (HANDMADE / name).is_dir():
            shutil.copytree(HANDMADE / name, root / name)
        elif (HANDMADE / name).is_file():
            shutil.copy(HANDMADE / name, root / name)
    for doc in DOCS.glob("*.md"):  # the author's documents, as the pipeline requires them
        shutil.copy(doc, root / "lib" / doc.name)
    metadata = json.loads((root / "metadata.json").read_text(encoding="utf-8"))
    metadata.update({"team": "synth", "po_id": "trainr4719",
                     "coverage": {"lines": 100, "branches": 100}, "author": "jane", "dockerS3Location": ""})
    (root / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
    gitutil.commit_all(root, "Pr4719 back at the root")
    mono = {rel: sha(root / rel) for rel in ROOT_FILES}
    head = gitutil.out(root, "rev-parse", "HEAD")

    outcome = adopt.adopt(root, releases, version="0.2.0")
    assert outcome.answers["layout"] == "monorepo", outcome.sources.get("layout")
    assert outcome.compared and not outcome.differences, outcome.differences
    touched = gitutil.out(root, "diff", "--name-only", head, "HEAD").split()
    assert touched and not outside_the_task(touched), touched
    assert {rel: sha(root / rel) for rel in ROOT_FILES} == mono, "the monorepo's own files are untouched"
    adopted = json.loads((root / "metadata.json").read_text(encoding="utf-8"))
    assert not {"coverage", "author", "dockerS3Location"} & set(adopted), "the archive step's fields are gone"

    done = update(root)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert answers(root)["_commit"] == "0.3.0" and not outside_the_task(changed(root)), changed(root)
    gitutil.commit_all(root, "update to 0.3.0")
    check = run([PYTHON, "-m", "tapkit.pipeline", str(root), "--only", ",".join(runner.GATES)], ROOT, timeout=900)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
