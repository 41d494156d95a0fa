"""Adopt a hand-made TAP repo, so that `copier update` can maintain it from now on.

    python3 run.py adopt REPO [--accept KIND ...] [--template PATH] [--version X.Y.Z] [--framework cdktf|cdktn]
                              [--no-verify] [--no-commit] [--json FILE]

Many TAP repos were made by copying files by hand: no .copier-answers.yml, so
copier cannot update them. adopt reads the repo (tap.py's environment defaults
and TapStack call, TapStack's signature, provider and backend, cdktf.json,
metadata.json, the Pipfile), infers the template's answers, and prints what it
inferred (and from where), what it could not, where tap.py and TapStack
already disagree (drift), and what the first update will change.

Why adopt also converts the repo. `copier update` re-renders the pinned
version with the answers and applies the repo's differences from that render
to the new version. A hand-made tap.py or lib/tap_stack.py differs from the
render almost line by line, so an answers file alone would make every update a
wall of conflicts, or, where the render happened to match, overwrite code.
So adopt makes the repo what `copier copy` of the matched release would have
made plus the repo's own work, and pins that release:

  * TapStack's resources move, as written, into lib/resources.py
    (add_resources(stack), user-owned; see tapkit/fleet/transplant.py): same scopes,
    same ids, same logical ids; tap.py and lib/tap_stack.py become the
    template's (their old versions stay in git history);
  * the repo's tests keep their functions: a test file on a template-owned path
    (tests/unit/test_tap_stack.py) moves to the user-owned
    tests/unit/test_resources.py, and TapStack(...) calls in tests go through
    tests/adopted.py, which accepts the old call;
  * its own modules, docs and other tests are untouched; its Pipfile packages
    and .gitignore lines are merged into the template's; a README.md stays yours
    (answer own_readme: the template writes none); metadata.json is the
    answers' plus the repo's fields the template does not write, without the
    archive step's (tapkit/fleet/placing.py); at a monorepo checkout's root only
    the task's paths are copied, compared and written (layout monorepo);
  * what decides deployed infrastructure is read off the repo's own synthesized
    JSON (tapkit/fleet/deployed.py): the default provider's region, tags and settings,
    the backend and state key; the repo's aliased providers move with its code,
    as written, so their aliases and regions stay;
  * it synthesizes the repo before and after, with the pipeline's variables
    set (probe values) and unset (another suffix, the tags' fallbacks),
    compares the whole JSON (tapkit/lifecycle/stackdiff.py) and refuses,
    restoring the repo, unless every difference is of a kind the user accepted
    by name (--accept state-key, ...); what differs between two synths of the
    untouched repo is its own nondeterminism, listed, not counted. Guardrail
    findings the repo deployed with become suppressions with a reason.

--framework cdktn adopts a hand-made cdktf repo straight into CDK Terrain: the
render answers framework=cdktn (with cdktn's default pins, not the repo's cdktf
ones), the repo's own Python then gets its imports rewritten by hooks/codemod.py
(as `copier update --data framework=cdktn` does; strings that name a cdktf
module are reported), and the comparison ignores what the framework change makes
by itself (required_providers' source and version, `//` metadata).

The release pinned is the newest (or --version): adopt verifies the repo with
that release's doctor, guardrails and tests, so `copier update` has nothing
left to break. adopt commits its
work as one commit (a repo without git first gets a commit of its files as
they were), because copier update needs a clean tree. It never pushes.
"""
from __future__ import annotations

import argparse
import ast
import difflib
import json
import re
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from tapkit import conventions, pins
from tapkit.fleet import deployed, gitutil, handmade, template, transplant
from tapkit.fleet.placing import FileAction, place
from tapkit.lifecycle import stackdiff

STUB = '''"""{what}

Yours: written once by the TAP cdktf copier template; `copier update` never touches it.
`python3 run.py adopt` left it without tests: this repo's own tests kept their files.
{fixtures}
"""
'''
STUBS = {
    "tests/unit/test_resources.py": STUB.format(
        what="Tests of your resources in lib/resources.py.",
        fixtures="Use the fixtures in conftest.py: `synthesized` (JSON string) and `stack_json` (parsed)."),
    "tests/integration/test_resources_integration.py": STUB.format(
        what="Integration tests against the deployed stack, through its outputs.",
        fixtures="Use the `outputs` fixture in conftest.py (cfn-outputs/flat-outputs.json)."),
}
# Where a test file of the repo goes when the template owns its path.
TEST_HOMES = {"tests/unit/test_tap_stack.py": "tests/unit/test_resources.py"}
# Hand-made repos are cdktf repos; --framework cdktn adopts one into CDK Terrain.
HAND_MADE_FRAMEWORK = "cdktf"
# Answers that pin cdktf's packages: an adoption into another framework takes that framework's defaults.
PINS = {"cdktf_package_version", "cdktf_version", "aws_provider_package_version"}
LAYOUTS = ("monorepo", "standalone")  # copier.yml's layout choices
# The environments adopt's proof synthesizes in (tapkit.synth): the pipeline's per-deploy variables set to probe
# values, and all of them unset (the repo's own defaults: another suffix, the tags' fallbacks). The unset synth is
# the proof's second suffix; where the untouched repo does not synthesize unset, "suffix" (the probe values with
# deployed.SECOND_SUFFIX) takes its place, so a value that follows the suffix is always seen to.
MODES: tuple[str, ...] = ("probe", "unset")
MODE_TEXT = {"probe": f"the pipeline's variables set (suffix {conventions.PROBE_SUFFIX})",
             "unset": "the pipeline's variables unset",
             "suffix": f"the pipeline's variables set with another suffix ({deployed.SECOND_SUFFIX})"}
DROP_REFUSED = ("--drop-refused-keywords",)


# The template's settings with plain string values, and those the deployed JSON shows directly.
SCALAR_SETTINGS = {"environment_suffix", "aws_region", "state_bucket", "state_bucket_region"}
FIXABLE_SETTINGS = {"aws_region", "state_bucket", "state_bucket_region"}


class AdoptError(Exception):
    """adopt stopped; the message says what, where and how to go on. The repo is as it was."""


@dataclass
class Outcome(handmade.Findings):
    """Everything adopt found and did; printed as text, or written as JSON."""
    # pylint: disable=too-many-instance-attributes  # a report's fields (the JSON adopt writes)

    repo: str = ""
    template: str = ""
    version: str = ""
    newest: str = ""
    scores: dict[str, float] = field(default_factory=dict)
    files: list[FileAction] = field(default_factory=list)
    resources_before: list[str] | None = None
    resources_after: list[str] | None = None
    differences: list[str] = field(default_factory=list)  # every change in the deployed JSON (stackdiff)
    accepted: list[str] = field(default_factory=list)  # categories the user accepted (--accept)
    compared: bool = False  # the whole synthesized JSON was compared before and after
    compared_modes: list[str] = field(default_factory=list)  # the environments it was compared in
    # values that differ between two synths of the untouched repo: its own nondeterminism, not counted
    nondeterministic: list[str] = field(default_factory=list)
    synth_before_error: str | None = None
    first_update: list[str] = field(default_factory=list)
    commit: str | None = None
    branch: str | None = None
    framework: str = "cdktf"  # the framework adopted into (--framework)
    framework_only: list[str] = field(default_factory=list)  # differences the framework change makes by itself


def answers_path(render: Path) -> str:
    """Where a render keeps copier's answers, relative: lib/.copier-answers.yml (the root before 0.5.0)."""
    return conventions.answers_file(render).relative_to(render).as_posix()


# ---------------------------------------------------------------- the steps
class Adoption:
    """One adoption, step by step; any AdoptError leaves the repo as it was."""
    # pylint: disable=too-many-public-methods,too-many-instance-attributes  # an adoption's steps share its state

    def __init__(self, repo: Path, source: Path, version: str | None, verify: bool, commit: bool,
                 accept: set[str] | None = None, framework: str = HAND_MADE_FRAMEWORK, layout: str | None = None):
        # pylint: disable=too-many-positional-arguments  # adopt()'s options, as adopt() passes them
        self.repo, self.source, self.wanted, self.layout = repo, source, version, layout
        self.verify, self.commit = verify, commit
        self.accept = set(accept or ())
        self.outcome = Outcome(repo=str(repo), template=str(source), accepted=sorted(self.accept),
                               framework=framework)
        self.moved_text: str | None = None
        self.deployed_answers: dict[str, object] = {}
        self.overrides: dict[str, object] = {}
        self.tmp = Path(tempfile.mkdtemp(prefix="tap-adopt-"))
        self.head: str | None = None
        self.applied = False
        self.answers_file = conventions.ANSWERS_FILE
        self.before: dict[str, dict[str, dict]] = {}  # environment -> the untouched repo's synth
        self.before_copy: Path = self.tmp / "before" / repo.name
        self.before_flags: tuple[str, ...] = ()
        self.kept_paths_changed: list[str] = []  # template-owned paths the first update changes (preview())

    def run(self) -> Outcome:
        """Every step; restores the repo when one fails."""
        try:
            self.prepare_git()
            reading = self.read()
            self.keep_readme(reading)
            before = self.snapshot() if self.verify else None
            if before is not None:
                bindings = template.provider_version()
                self.use_deployed(reading, deployed.Inferred(before, (
                    lambda constraint: handmade.admits(constraint, bindings)) if bindings else None))
            render, config = self.choose(reading)
            self.applied = True
            self.convert(reading, render, config)
            self.move_framework()
            self.check(before)
            self.finish()
            return self.outcome
        except (AdoptError, handmade.NotATapRepo, transplant.CannotMove, gitutil.GitError) as error:
            if self.applied:
                self.restore()
            raise AdoptError(str(error)) from error
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def prepare_git(self) -> None:
        """A clean git repository at the repo's root (made, when there was none)."""
        repo = self.repo
        if not repo.is_dir():
            raise AdoptError(f"{repo} is not a directory")
        for answers in (conventions.ANSWERS_FILE, conventions.OLD_ANSWERS_FILE):
            if (repo / answers).exists():
                raise AdoptError(f"{repo / answers} exists: this repo is already a copier project; update it with "
                                 f"`python3 run.py update {repo} --defaults` (or roll out with run.py rollout)")
        for required in ("tap.py", "lib/tap_stack.py"):
            if not (repo / required).is_file():
                raise AdoptError(f"{repo} has no {required}: adopt works on TAP repos (tap.py creating TapStack "
                                 "from lib/tap_stack.py)")
        top = gitutil.toplevel(repo)
        if top is None:
            gitutil.init(repo, "The repo as it was before adopting the TAP copier template")
            self.outcome.notes.append("the repo was not a git repository: adopt made one and committed your files "
                                      "as they were, first")
        elif top != repo:
            raise AdoptError(f"{repo} is inside the git repository {top}; adopt needs the TAP repo at the top of its "
                             "own git repository (copier update works per repository)")
        dirty = gitutil.status_lines(repo)
        if dirty:
            raise AdoptError(f"{repo} has uncommitted changes ({len(dirty)}, first: {dirty[0].strip()}); commit or "
                             "stash them first, so adopt's commit holds only its own changes")
        self.head = gitutil.out(repo, "rev-parse", "HEAD")
        self.outcome.branch = gitutil.current_branch(repo)

    def read(self) -> handmade.Reading:
        """Infer the answers and the drift."""
        reading = handmade.read(self.repo, template.provider_version(), template.contract())
        if self.layout:
            reading.infer("layout", self.layout, "--layout")
        elif self.outcome.framework != HAND_MADE_FRAMEWORK:
            reading.infer("layout", "standalone", f"--framework {self.outcome.framework}: the monorepo's root Pipfile "
                                                  "installs cdktf only, so the task is a repo of its own")
        elif pins.find_monorepo(self.repo) is not None:
            reading.infer("layout", "monorepo", f"a task in a checkout of the task monorepo "
                                                f"({pins.find_monorepo(self.repo)}): its root Pipfile and settings "
                                                "are the monorepo's, and adopt leaves them alone")
        elif (self.repo / "Pipfile").is_file():
            reading.infer("layout", "standalone", "the repo has a Pipfile of its own: a repo of its own, with its own "
                                                  "settings files (--layout monorepo for a task of the monorepo)")
        else:
            reading.infer("layout", "monorepo", "no Pipfile: a task of the monorepo, which holds its settings")
        # One findings object: the outcome's findings ARE the reading's (the same lists and dicts), so every later
        # step records an answer, a note or a refusal once and the report and the render see the same.
        for found in fields(handmade.Findings):
            mine, theirs = getattr(self.outcome, found.name), getattr(reading, found.name)
            if isinstance(theirs, list):
                theirs[:0] = mine  # what adopt noted before reading (a git repository made)
            setattr(self.outcome, found.name, theirs)
        return reading

    def choose(self, reading: handmade.Reading) -> tuple[Path, dict]:
        """Render the release to pin (the newest, or --version) with the answers."""
        # pylint: disable=too-many-locals  # picks the release, renders it and checks the render, in order
        try:
            tags = template.releases(self.source)
        except gitutil.GitError as error:
            raise AdoptError(f"cannot read the template's releases: {error}") from error
        if not tags:
            raise AdoptError(f"the template at {self.source} has no release tag (a PEP 440 version such as 0.2.0), "
                             "and copier update needs one to start from: tag a release there (see CHANGELOG.md), "
                             "or pass --template with a released checkout")
        newest_version, newest = tags[-1]
        self.outcome.newest = newest
        if self.wanted:
            tags = [t for t in tags if t[1] == self.wanted]
            if not tags:
                raise AdoptError(f"--version {self.wanted} is not a release tag of {self.source}")
        renamed = template.renames(self.source, newest)
        results = {}
        # The newest release by default: it is what `copier update` brings anyway, and verifying the repo at an
        # older one (without the newest doctor and guardrails) let the first update fail where adopt had passed.
        for version, tag in tags[-1:]:
            config = template.config_at(self.source, tag)
            questions = {k for k in config if not k.startswith("_")}
            answers = {k: v for k, v in template.answers_for(reading.answers, version, renamed).items()
                       if k in questions}
            if self.outcome.framework != HAND_MADE_FRAMEWORK:
                if "framework" not in questions:
                    raise AdoptError(f"release {tag} has no framework question; adopt into "
                                     f"{self.outcome.framework} needs 0.4.0 or later (--version)")
                # The repo's pins are cdktf's packages: the chosen framework's own defaults replace them.
                dropped = sorted(PINS & set(answers))
                answers = {k: v for k, v in answers.items() if k not in PINS}
                answers["framework"] = self.outcome.framework
                if dropped:
                    self.outcome.notes.append(f"framework {self.outcome.framework}: {', '.join(dropped)} take "
                                              f"{self.outcome.framework}'s defaults, not the repo's cdktf pins")
            dest = self.tmp / "render" / tag / self.repo.name
            done = self.render(tag, answers, dest, reading)
            if done.returncode != 0:
                last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
                self.outcome.notes.append(f"release {tag} cannot take these answers: {last[0]}")
                continue
            results[tag] = (self.similarity(dest, config), dest, config, version)
        if not results:
            refusals = [note for note in self.outcome.notes if note.startswith("release ")]
            raise AdoptError("no release of the template accepts the inferred answers:\n  " + "\n  ".join(refusals)
                             + "\nFix the value named there in the repo, commit, and run adopt again")
        self.outcome.scores = {tag: round(r[0], 3) for tag, r in results.items()}
        best = max(results, key=lambda tag: (results[tag][0], results[tag][3]))
        self.outcome.version = best
        _score, dest, config, version = results[best]
        if best != newest:
            rendered_newest = results[newest][1] if newest in results else None
            self.preview(dest, config, version, newest_version, newest, reading, renamed, rendered_newest)
        else:
            self.outcome.first_update.append(f"nothing yet: {best} is the newest release; later releases arrive with "
                                             "copier update")
        return dest, config

    def render(self, tag: str, answers: dict, dest: Path, reading: handmade.Reading):
        """Render one release; an inferred answer its validator refuses falls back to the default, said so."""
        for _ in range(len(answers) + 1):
            done = template.render(self.source, tag, answers, dest)
            refused = re.search(r"Validation error for question '([^']+)': (.*)", done.stderr + done.stdout)
            if done.returncode == 0 or not refused or refused.group(1) not in answers:
                return done
            shutil.rmtree(dest, ignore_errors=True)
            question = refused.group(1)
            answers.pop(question)
            reading.answers.pop(question, None)
            self.outcome.could_not.append(f"{question}: the repo says {reading.sources.get(question, '?')}, which the "
                                          f"template refuses ({refused.group(2).strip()}); kept its default")
        return done

    def similarity(self, render: Path, config: dict) -> float:
        """Mean line similarity of the release's template-owned files to the repo's files of the same path."""
        owned = self.template_owned(render, config)
        if not owned:
            return 0.0
        total = 0.0
        for rel in owned:
            mine = self.repo / rel
            if mine.is_file():
                a = (render / rel).read_text(encoding="utf-8", errors="replace").splitlines()
                b = mine.read_text(encoding="utf-8", errors="replace").splitlines()
                total += difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
        return total / len(owned)

    @staticmethod
    def template_owned(render: Path, config: dict) -> list[str]:
        """A render's files that copier update rewrites (not the user's)."""
        user = set(template.skip_if_exists(config)) | {answers_path(render)}
        return sorted(p.relative_to(render).as_posix() for p in render.rglob("*")
                      if p.is_file() and p.relative_to(render).as_posix() not in user)

    def preview(self, render, config, version, newest_version, newest, reading, renamed,
                dest: Path | None) -> None:
        """What the first copier update (pinned release -> newest) will change."""
        # pylint: disable=too-many-positional-arguments,too-many-locals  # the parts choose() rendered, passed on
        config_new = template.config_at(self.source, newest)
        answers = {k: v for k, v in template.answers_for(reading.answers, newest_version, renamed).items()
                   if not k.startswith("_") and k in config_new}
        if dest is None:  # not among the candidates (--version): render it
            dest = self.tmp / "render-newest" / self.repo.name
        if not dest.is_dir() and template.render(self.source, newest, answers, dest).returncode != 0:
            self.outcome.first_update.append(f"{self.outcome.version} -> {newest}: the newest release does not "
                                             "render with these answers; copier update will ask")
            return
        old, new = set(self.template_owned(render, config)), set(self.template_owned(dest, config_new))
        changed = sorted(p for p in old & new if (render / p).read_bytes() != (dest / p).read_bytes())
        lines = [f"{self.outcome.version} -> {newest}"]
        if changed:
            lines.append(f"changes {len(changed)} template-owned file(s): {', '.join(changed)}")
        if new - old:
            lines.append(f"adds {', '.join(sorted(new - old))}")
        if old - new:
            lines.append(f"removes {', '.join(sorted(old - new))}")
        self.outcome.first_update.append("; ".join(lines))
        for since, old_name, new_name in renamed:
            if version < since <= newest_version:
                self.outcome.first_update.append(f"migration {since}: renames the answer {old_name} to {new_name}")
        for heading in template.changelog_between(self.source, newest, version, newest_version):
            self.outcome.first_update.append(f"CHANGELOG {heading}")
        self.kept_paths_changed = changed

    def snapshot(self) -> dict[str, dict] | None:
        """What the repo synthesizes as it is, {stack: cdk.tf.json}, under the probe values (from a copy, so
        nothing in it changes); the same with the pipeline's variables unset (or, where that fails, the probe values
        with another suffix) is kept for the proof, synthesized in the same process (tapkit.synth.synthesize_each)."""
        scratch = self.tmp / "before" / self.repo.name
        deployed.copy_project(self.repo, scratch)
        self.before_copy = scratch
        synths = deployed.synthesize_modes(scratch, MODES)
        docs, failed = synths["probe"]
        error = None if failed is None else str(failed)
        if docs is None:
            self.outcome.synth_before_error = error
            if "TypeError" in error and "TapStack" in error:
                retried = deployed.synthesize_modes(scratch, MODES, DROP_REFUSED)
                if retried["probe"][0] is not None:
                    self.before_flags, synths, docs = DROP_REFUSED, retried, retried["probe"][0]
                    self.outcome.notes.append(
                        f"the repo did not synthesize before adoption ({error}); its infrastructure was read from a "
                        "synth where tap.py's keywords TapStack refuses were dropped, and compared with that")
                else:
                    error = str(retried["probe"][1])
        if docs is None:
            self.outcome.notes.append(f"the repo did not synthesize before adoption ({error}), so nothing proves "
                                      "what it deploys; answers come from its source, and the adopted repo's "
                                      "resources are shown")
            return None
        if synths.get("unset", (None,))[0] is None:  # no unset synth to stand in for a second suffix
            synths.update(deployed.synthesize_modes(scratch, ("suffix",), self.before_flags))
        self.before = {mode: found for mode, (found, _) in synths.items() if found is not None}
        for mode, (found, failed) in synths.items():
            if found is None:
                self.outcome.notes.append(f"the repo as it was does not synthesize with {MODE_TEXT[mode]} ({failed});"
                                          " the adopted repo is not compared with it there")
        self.outcome.resources_before = sorted(deployed.addresses(docs))
        return docs

    def keep_readme(self, reading: handmade.Reading) -> None:
        """A repo's own README stays the user's: the template renders none over it (answer own_readme)."""
        readme = self.repo / "README.md"
        if readme.is_file() and readme.read_text(encoding="utf-8", errors="replace").strip():
            reading.infer("own_readme", True, "README.md exists: yours, the template writes none")

    def use_deployed(self, reading: handmade.Reading, inferred: deployed.Inferred) -> None:
        """Answers read off the synthesized JSON win over those read from the source: they are what deploys."""
        self.outcome.notes.extend(inferred.notes)
        for question, value in inferred.answers.items():
            old = reading.answers.get(question)
            if question in reading.answers and old != value:
                self.outcome.notes.append(f"{question}: the source suggested {json.dumps(old)} "
                                          f"({reading.sources.get(question, '?')}); the repo deploys "
                                          f"{json.dumps(value)}, which adopt keeps")
            reading.infer(question, value, inferred.sources[question])
            reading.could_not[:] = [c for c in reading.could_not if not c.startswith(f"{question}:")]
        self.keep_variable_tags(reading)
        self.deployed_answers = dict(inferred.answers)
        self.overrides = inferred.provider_overrides
        if self.overrides:
            self.outcome.notes.append("the default AWS provider's own settings ("
                                      + ", ".join(sorted(self.overrides)) + ") are kept in lib/resources.py "
                                      "adopted_settings(), with the values the repo deployed")

    def as_before(self, reading: handmade.Reading) -> dict:
        """What the adapter needs to build the template's TapStack as the old one behaved when code called it
        directly: the old stack's own defaults, and the settings it decided itself whatever it was passed."""
        # pylint: disable=too-many-locals  # one pass over the old stack's parameters and body
        stack, defaults, fixed = reading.stack, {}, {}
        for param in stack.params:
            setting = handmade.SETTING_NAMES.get(param.arg)
            default = handmade.param_default(stack.init, param)
            if setting in SCALAR_SETTINGS and isinstance(default, ast.Constant) and isinstance(default.value, str):
                defaults[setting] = default.value
        for node in ast.walk(stack.init):
            found = handmade.kwargs_key(node, stack.kwarg)
            if found and handmade.SETTING_NAMES.get(found[0]) in SCALAR_SETTINGS and isinstance(
                    found[1], ast.Constant) and isinstance(found[1].value, str):
                defaults.setdefault(handmade.SETTING_NAMES[found[0]], found[1].value)
        tap = handmade.TapPy(self.repo)
        for keyword, expr in reading.passed.items():
            setting = handmade.SETTING_NAMES.get(keyword)
            deployed_value = self.deployed_answers.get(setting)
            passed = tap.resolve(expr)
            if setting in FIXABLE_SETTINGS and isinstance(deployed_value, str) and passed is not None and (
                    passed.value != deployed_value):
                fixed[setting] = deployed_value
                self.outcome.notes.append(
                    f"{setting}: tap.py passed {passed.value!r}, but the old TapStack deployed {deployed_value!r} "
                    "whatever it was passed; code that builds the stack the old way still gets "
                    f"{deployed_value!r} (tap_stack_as_before)")
        own_tags = self.stack_own_tags(reading, tap)
        if own_tags:
            fixed["default_tags"] = own_tags
        return {"defaults": defaults, "fixed": fixed}

    def stack_own_tags(self, reading: handmade.Reading, tap: handmade.TapPy) -> dict[str, str]:
        """Fixed tags the deployed provider had that tap.py's default_tags did not: the old stack added them."""
        extra = self.outcome.answers.get("extra_tags")
        expr = next((v for k, v in reading.passed.items() if handmade.SETTING_NAMES.get(k) == "default_tags"), None)
        if not isinstance(extra, dict) or not extra or expr is None:
            return {}
        node = tap.mapping(expr)
        for _ in range(3):  # [{"tags": {...}}] and {"tags": {...}} down to the flat mapping
            if isinstance(node, ast.List) and len(node.elts) == 1:
                node = tap.mapping(node.elts[0])
            elif isinstance(node, ast.Dict) and [getattr(k, "value", None) for k in node.keys] == ["tags"]:
                node = tap.mapping(node.values[0])
        if not isinstance(node, ast.Dict) or None in node.keys:
            return {}
        given = {k.value for k in node.keys if isinstance(k, ast.Constant)}
        return {key: value for key, value in extra.items() if key not in given}

    def keep_variable_tags(self, reading: handmade.Reading) -> None:
        """A tag whose value is the default of a variable the repo reads is not fixed: setting the variable at
        deploy changed it, and the template's fixed extra_tags would not. Such a tag stays out (adopt refuses)."""
        tags = reading.answers.get("extra_tags")
        if not isinstance(tags, dict):
            return
        defaults = deployed.variable_defaults(self.repo)
        for key, value in list(tags.items()):
            variables = sorted(name for name, default in defaults if default == value)
            if variables:
                del tags[key]
                self.outcome.notes.append(
                    f"tag {key}={value!r} is the default of {', '.join(variables)}, which the repo reads and the "
                    "template does not: not kept as a fixed tag (adopt refuses unless you --accept default-tags)")
        reading.answers["extra_tags"] = tags

    def write(self, rel: str, text: str) -> None:
        """Write a file of the repo."""
        path = self.repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def convert(self, reading: handmade.Reading, render: Path, config: dict) -> None:
        """Turn the repo into the release's render plus its own work."""
        # pylint: disable=too-many-locals,too-many-branches  # one branch per kind of file the conversion meets
        files, repo = self.outcome.files, self.repo
        user_owned = template.skip_if_exists(config)
        if (repo / transplant.RESOURCES).exists():
            raise AdoptError(f"{repo / transplant.RESOURCES} exists already; the template keeps your resources "
                             "there. Rename it (and its imports), commit, and run adopt again")
        moved = transplant.move_resources(reading, self.outcome.answers, repo)
        self.moved_text = moved.text
        self.write_resources([])
        detail = "TapStack.__init__'s resources" + (f" and {', '.join(moved.functions)}" if moved.functions else "")
        files.append(FileAction(f"lib/tap_stack.py -> {transplant.RESOURCES}", "moved", detail))
        if moved.dropped:
            self.outcome.notes.append("left behind in the old TapStack, as the template's TapStack does it from the "
                                      "answers: " + "; ".join(moved.dropped))
        owned = self.template_owned(render, config)
        # Test files on template-owned paths move to user-owned ones.
        for rel in owned:
            if rel.startswith("tests/") and Path(rel).name.startswith("test_") and (repo / rel).is_file():
                home = TEST_HOMES.get(rel)
                if home is None or (repo / home).exists():
                    home = str(Path(rel).with_name(Path(rel).stem + "_adopted.py"))
                gitutil.git(repo, "mv", rel, home)
                files.append(FileAction(f"{rel} -> {home}", "moved", "the template owns the old path"))
        # Tests and other code that built TapStack the old way go through tap_stack_as_before
        # (tests/adopted.py, or lib/adopted.py when code outside tests/ calls it too).
        edits, adapters = transplant.rewrite_callers(repo, reading.stack, moved, self.as_before(reading))
        for edit in edits:
            edit.path.write_text(edit.text, encoding="utf-8")
            rel = edit.path.relative_to(repo).as_posix()
            files.append(FileAction(rel, "rewritten", "; ".join(edit.changes)))
        for rel, text in adapters.items():
            self.write(rel, text)
            files.append(FileAction(rel, "added", "tap_stack_as_before(), for the code above that calls TapStack "
                                                  "the old way"))
        # User-owned files the template would otherwise fill with its example.
        for rel in user_owned:
            if rel in STUBS and (render / rel).exists() and not (repo / rel).exists():
                self.write(rel, STUBS[rel])
                files.append(FileAction(rel, "added", "yours, empty: the template's example tests "
                                                      "test its example resources"))
        answered = {"projectId", "terraformProviders", "app", *self.outcome.answers}
        for rel in owned:
            mine = repo / rel
            result = place(rel, (render / rel).read_text(encoding="utf-8"),
                           mine.read_text(encoding="utf-8") if mine.is_file() else None, answered)
            action, text = result if isinstance(result, tuple) else (result, None)
            if text is not None:
                self.write(rel, text)
            if action.action != "same":
                files.append(action)
        if (repo / "Pipfile.lock").is_file() and any(a.path == "Pipfile" and a.action in {"merged", "replaced"}
                                                      for a in files):
            self.outcome.notes.append("Pipfile.lock no longer matches the Pipfile: run `pipenv lock` and commit it")
        answers = answers_path(render)
        self.answers_file = answers
        (repo / answers).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(render / answers, repo / answers)
        files.append(FileAction(answers, "added", f"the answers, pinned to {self.outcome.version}"))
        kept_changed = sorted({a.path for a in files if a.action in {"kept", "merged"}} & set(self.kept_paths_changed))
        if kept_changed:
            self.outcome.first_update.append(f"may mark conflicts in {', '.join(kept_changed)}: you keep your "
                                             "version and the update changes the template's")

    def move_framework(self) -> None:
        """Adopting into another framework than the repo's (cdktf): rewrite its Python's imports, as the update's
        move does (hooks/framework_move.py); strings naming cdktf modules become notes."""
        if self.outcome.framework == HAND_MADE_FRAMEWORK:
            return
        from tapkit.lifecycle import codemod, framework_move  # pylint: disable=import-outside-toplevel  # libcst: only here

        # The Pipfile merge kept the repo's own packages, cdktf's among them: the new framework's replace them.
        old = conventions.FRAMEWORKS[HAND_MADE_FRAMEWORK]
        pipfile = self.repo / "Pipfile"
        if pipfile.is_file():
            text = pipfile.read_text(encoding="utf-8")
            kept = re.sub(rf'(?m)^"?({re.escape(old["package"])}|{re.escape(old["provider_package"])})"?\s*=.*\n',
                          "", text)
            if kept != text:
                pipfile.write_text(kept, encoding="utf-8")
                self.outcome.files.append(FileAction("Pipfile", "rewritten", f"{old['package']} and "
                                                     f"{old['provider_package']} left for the "
                                                     f"{self.outcome.framework} packages"))
        listed = gitutil.git(self.repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard").stdout
        files = sorted(self.repo / rel for rel in set(listed.split("\0")) if rel.endswith(".py")
                       and (self.repo / rel).is_file())
        try:
            changes = codemod.plan(files, framework_move.mapping(HAND_MADE_FRAMEWORK, self.outcome.framework))
            codemod.apply(changes)
        except (codemod.CodemodError, framework_move.MoveFailed) as error:
            raise AdoptError(f"cannot move the repo's code to {self.outcome.framework}: {error}") from error
        for change in changes:
            rel = change.path.relative_to(self.repo).as_posix()
            if change.changed:
                self.outcome.files.append(FileAction(rel, "rewritten", f"imports moved to {self.outcome.framework}"))
            if framework_move.template_owned(change.path):
                continue
            self.outcome.notes += [f"{rel}:{m.line}: string {m.text!r} names a cdktf module; strings are not changed: "
                                   f"make it {m.suggestion!r} (a mock.patch target still reaches cdktf)"
                                   for m in change.mentions]

    def write_resources(self, suppressions: list[tuple[str, str]]) -> None:
        """lib/resources.py: the moved code, plus adopted_settings(stack) when the template needs settings on top."""
        text = self.moved_text or ""
        body = deployed.settings_code(self.overrides, suppressions)
        if body and text:
            tree = ast.parse(text)
            function = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "add_resources")
            last = function.body[-1]
            lines = text.splitlines()
            call = "    adopted_settings(stack)  # added by adopt: what the repo deployed beyond the template's answers"
            at = last.lineno - 1 if isinstance(last, ast.Return) else function.end_lineno
            lines[at:at] = [call]
            text = "\n".join(lines) + "\n" + "\n\ndef adopted_settings(stack: TapStack) -> None:\n" + (
                '    """Kept by adopt: provider settings and guardrail exceptions the repo deployed with."""\n'
                + "\n".join(body) + "\n")
        self.write(str(transplant.RESOURCES), text)

    def check(self, before: dict[str, dict] | None) -> None:
        """The adopted repo must pass the contract check, and deploy exactly what it did (or what was accepted),
        under the probe values and with the pipeline's variables unset (another suffix: the repo's default)."""
        errors = [f for f in template.contract().check(self.repo) if f.severity == "error"]
        if errors:
            raise AdoptError("after the conversion, TapStack calls do not match its signature:\n  "
                             + "\n  ".join(map(str, errors)))
        self.check_doctor()
        if not self.verify:
            self.outcome.notes.append("--no-verify: the adopted repo was not synthesized; nothing proves it deploys "
                                      f"what it did; run `python3 run.py check {self.repo}` from the template")
            return
        after = self.synthesize_adopted(before, ("probe", *(m for m in self.before if m != "probe")))
        self.outcome.resources_after = sorted(deployed.addresses(after["probe"]))
        if before is None:
            return
        differences = self.local_state_moves(self.compare(after))
        self.outcome.compared = True
        self.outcome.compared_modes = [MODE_TEXT[mode] for mode in self.before]
        if self.outcome.framework != HAND_MADE_FRAMEWORK:  # what the framework change makes by itself: not a change
            moved = [d for d in differences if stackdiff.framework_only(d)]
            self.outcome.framework_only = [str(d) for d in moved]
            differences = [d for d in differences if d not in moved]
        self.outcome.differences = [str(d) for d in differences]
        blocking = stackdiff.needing_acceptance(differences, self.accept)
        if blocking:
            raise AdoptError(stackdiff.refusal(blocking, self.outcome.compared_modes,
                                               len(self.outcome.nondeterministic),
                                               f"python3 run.py adopt {self.repo}", accepted=self.accept,
                                               fallbacks=MODE_TEXT["unset"]))

    def check_doctor(self) -> None:
        """The doctor the update's hook runs (its rules beyond the contract's): an error there would fail the first
        `copier update`, so adopt refuses now, naming each finding, and restores the repo."""
        from tapkit.checks import doctor, doctor_rules  # pylint: disable=import-outside-toplevel  # the provider index: only here

        errors = [f for f in doctor.diagnose(self.repo, sys.executable)
                  if f.severity == "error" and doctor_rules.RULES[f.rule].check != "contract"]
        if errors:
            raise AdoptError("the update's hook would refuse the adopted repo: the template's doctor finds\n  "
                             + "\n  ".join(map(str, errors)) + "\nNothing was changed. Fix these in the repo (or "
                             "report a finding that is wrong: the repo synthesizes), commit, and run adopt again")

    def compare(self, after: dict[str, dict[str, dict]]) -> list[stackdiff.Difference]:
        """The differences between the repo as it was and as adopted, in every environment compared. Where some
        need accepting, the untouched repo is synthesized again there (a new process): what differs between its two
        synths is its own nondeterminism, left out of the comparison and listed with what would make it stable."""
        bindings = template.provider_version()
        admits = (lambda constraint: handmade.admits(constraint, bindings)) if bindings else None
        raw = {mode: stackdiff.diff(before, after[mode], admits=admits) for mode, before in self.before.items()}
        doubtful = tuple(mode for mode, found in raw.items() if stackdiff.needing_acceptance(found, self.accept))
        again = deployed.synthesize_modes(self.before_copy, doubtful, self.before_flags, fresh=True)
        found: list[stackdiff.Difference] = []
        for mode, before in self.before.items():
            differences = raw[mode]
            second = again.get(mode, (None,))[0]
            unstable = deployed.unstable_paths(before, second) if second is not None else []
            if unstable:
                self.note_unstable(mode, unstable, before, second)
                differences = stackdiff.diff(deployed.masked(before, unstable),
                                             deployed.masked(after[mode], unstable), admits=admits)
            label = "" if mode == "probe" else f" ({MODE_TEXT[mode]})"
            for difference in differences:
                if label and any(d.category == difference.category and d.before == difference.before
                                 and d.after == difference.after
                                 and stackdiff.unlabelled(d.where, MODE_TEXT.values()) == difference.where
                                 for d in found):
                    continue
                found.append(stackdiff.Difference(difference.category, difference.where + label, difference.before,
                                                  difference.after) if label else difference)
        return found

    def local_state_moves(self, differences: list[stackdiff.Difference]) -> list[stackdiff.Difference]:
        """A local backend's state file that moves (cdktf's default <project root>/terraform.<stack>.tfstate ->
        the template's relative path, which Terraform resolves under cdktf.out/stacks/<stack>/) needs
        --accept state-key when a state file is there to lose; without one, it is a note that says where it goes."""
        kept = []
        for difference in differences:
            old, new = difference.before, difference.after
            if not (difference.category == "state-key" and ".backend.local.path" in difference.where
                    and isinstance(old, str) and isinstance(new, str)):
                kept.append(difference)
                continue
            shown = [deployed.state_file(Path("<project root>"), path) for path in (old, new)]
            there = deployed.state_file(self.repo, old).exists()
            if there:
                kept.append(difference)
            self.outcome.notes.append(f"the local state file moves from {shown[0]} to {shown[1]} (the template's "
                                      "LocalBackend path, resolved in cdktf.out/stacks/<stack>/): " + (
                                          "move it there (mv) before the next deploy" if there else "there is none "
                                          "here, so nothing is lost; where one exists, move it there first"))
        return kept

    def note_unstable(self, mode: str, paths: list[tuple], first: dict, second: dict) -> None:
        """List the untouched repo's own nondeterminism (cdktf's `//` metadata left out), with what would fix it."""
        for path in paths:
            if "//" in path:
                continue
            where = deployed.describe_path(path)
            known = next((i for i, line in enumerate(self.outcome.nondeterministic) if line.startswith(where + " (")),
                         None)
            if known is None:
                self.outcome.nondeterministic.append(
                    f"{where} ({MODE_TEXT[mode]}): {deployed.stabilizing(path, first, second)}")
            elif MODE_TEXT[mode] not in self.outcome.nondeterministic[known]:
                head, rest = self.outcome.nondeterministic[known].split("): ", 1)
                self.outcome.nondeterministic[known] = f"{head}; {MODE_TEXT[mode]}): {rest}"

    def synthesize_adopted(self, before: dict[str, dict] | None, modes: tuple[str, ...]) -> dict[str, dict[str, dict]]:
        """Synth the adopted repo in every mode (one process); guardrail findings the repo already deployed with
        become suppressions, said so."""
        synths = deployed.synthesize_modes(self.repo, modes)
        if synths["probe"][1] is not None:
            findings = deployed.guardrail_findings(synths["probe"][1].output)
            if not (findings and before is not None and self.moved_text):
                raise AdoptError(f"the adopted repo does not synthesize: {synths['probe'][1]}. Nothing was changed; "
                                 "if the line above points into lib/resources.py, the code adopt moved needs a hand "
                                 "(please report it with your lib/tap_stack.py)")
            self.write_resources(findings)
            self.outcome.notes.append(
                "the template's guardrails refuse what the repo deployed before; adopt kept it, each suppressed with "
                "a reason in lib/resources.py adopted_settings() (fix them when you can): "
                + ", ".join(f"{rule} at {path}" for path, rule in findings))
            synths = deployed.synthesize_modes(self.repo, modes)
        for mode, (found, failed) in synths.items():
            if found is None:
                raise AdoptError(f"the adopted repo does not synthesize with {MODE_TEXT[mode]}: {failed}. "
                                 "Nothing was changed")
        return {mode: found for mode, (found, _) in synths.items()}

    def finish(self) -> None:
        """Commit adopt's work."""
        if not self.commit:
            self.outcome.notes.append("--no-commit: commit the changes yourself before copier update "
                                      "(it refuses a dirty tree)")
            return
        message = (f"Adopt the TAP copier template {self.outcome.version}\n\n"
                   "Made by `python3 run.py adopt`: resources moved to lib/resources.py, template files from "
                   f"release {self.outcome.version}, answers in {self.answers_file}.")
        self.outcome.commit = gitutil.commit_all(self.repo, message)

    def restore(self) -> None:
        """Back to the commit adopt started from."""
        gitutil.git(self.repo, "reset", "-q", "--hard", self.head or "HEAD", check=False)
        gitutil.git(self.repo, "clean", "-fdq", check=False)


def adopt(repo: Path, source: Path = template.ROOT, version: str | None = None, verify: bool = True,
          commit: bool = True, accept: set[str] | None = None, framework: str = HAND_MADE_FRAMEWORK,
          layout: str | None = None) -> Outcome:
    """Adopt the repo; raises AdoptError (repo left as it was) when it cannot, or when what it deploys would
    change in a category (stackdiff.CATEGORIES) not in `accept`."""
    # pylint: disable=too-many-positional-arguments  # adopt()'s options in the CLI's order; callers name them
    unknown = set(accept or ()) - set(stackdiff.CATEGORIES)
    if unknown:
        raise AdoptError(f"--accept {', '.join(sorted(unknown))}: not a kind of change; one of "
                         f"{', '.join(stackdiff.CATEGORIES)}")
    if framework not in conventions.FRAMEWORKS:
        raise AdoptError(f"--framework {framework}: one of {', '.join(conventions.FRAMEWORKS)}")
    if layout not in (None, *LAYOUTS):
        raise AdoptError(f"--layout {layout}: one of {', '.join(LAYOUTS)}")
    return Adoption(repo.resolve(), source.resolve(), version, verify, commit, accept, framework, layout).run()


# ---------------------------------------------------------------- report
def report(outcome: Outcome) -> str:
    """The text report adopt prints."""
    out = [f"adopt: {outcome.repo}",
           f"template {outcome.template}: pinned release {outcome.version} (newest {outcome.newest}); "
           f"closeness of each release's render to the repo: "
           + ", ".join(f"{tag} {score:.2f}" for tag, score in outcome.scores.items()), ""]
    out.append(f"Inferred ({len(outcome.answers)}; every other question keeps the template's default):")
    width = max((len(k) for k in outcome.answers), default=10)
    for key, value in outcome.answers.items():
        shown = json.dumps(value) if not isinstance(value, str) else value
        out.append(f"  {key:<{width}}  {shown:<28}  from {outcome.sources.get(key, '?')}")

    def section(title: str, items: list[str], empty: str | None = None) -> None:
        if items or empty:
            out.append("")
            out.append(f"{title} ({len(items)}):" if items else f"{title}: {empty}")
            out.extend(f"  - {item}" for item in items)

    section("Could not infer", outcome.could_not, "nothing")
    section("Drift between tap.py and TapStack", outcome.drift, "none found")
    section("Other mismatches", outcome.mismatches)
    section("Notes", outcome.notes)
    out += ["", "Files:"]
    for action in outcome.files:
        out.append(f"  {action.action:<9} {action.path}" + (f"  ({action.detail})" if action.detail else ""))
    out.append("")
    if outcome.compared:
        info = [d for d in outcome.differences if d.startswith(stackdiff.NOT_INFRASTRUCTURE)]
        changes = [d for d in outcome.differences if d not in info]
        if changes:
            out.append(f"Deployed infrastructure: {len(changes)} accepted change(s) "
                       f"(--accept {' '.join(outcome.accepted)}):")
            out.extend(f"  - {d}" for d in changes)
        else:
            out.append("Deployed infrastructure: unchanged. The whole synthesized JSON was compared before and after "
                       "(every resource's and data source's arguments and provider, provider blocks with their tags "
                       "and settings, backend, outputs, stack names), with "
                       + " and with ".join(outcome.compared_modes or ["the pipeline's variables set"]) + ".")
        if info:
            out.append(f"Not infrastructure: {len(info)} accepted backend-settings change(s) (how Terraform runs, "
                       "not what it deploys):")
            out.extend(f"  - {d}" for d in info)
        if outcome.nondeterministic:
            out.append(f"The repo's own nondeterminism ({len(outcome.nondeterministic)}: these differ between two "
                       "synths of the untouched repo, so they are not counted; each with what would make it stable, "
                       "or every deploy changes it):")
            out.extend(f"  - {where}" for where in outcome.nondeterministic)
            out.append("  The template's tests/unit/test_tap_stack.py::test_synth_is_deterministic fails until they "
                       "are stable: two synths of one commit must deploy the same")
    if outcome.resources_after is not None:
        before = outcome.resources_before
        kept = "every one kept" if before is not None and set(before) <= set(outcome.resources_after) else (
            "nothing to compare with" if before is None else "SOME MISSING")
        out.append(f"Resources, data sources and outputs: {len(before) if before is not None else '?'} before, "
                   f"{len(outcome.resources_after)} after, {kept}: {', '.join(outcome.resources_after)}")
    section("The first copier update will", outcome.first_update)
    out.append("")
    if outcome.commit:
        out.append(f"Committed {outcome.commit} on {outcome.branch or 'a detached HEAD'} (nothing pushed). Next:")
    else:
        out.append("Not committed. Commit, then:")
    out.append(f"  python3 run.py update {outcome.repo} --defaults    # copier update to {outcome.newest}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python3 run.py adopt", description=__doc__.split("\n\n", 1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("repo", type=Path, help="the hand-made TAP repo")
    parser.add_argument("--template", type=Path, default=template.ROOT,
                        help=f"template checkout with release tags (default {template.ROOT})")
    parser.add_argument("--version", help="pin this release instead of the newest")
    parser.add_argument("--no-verify", dest="verify", action="store_false",
                        help="do not synthesize before and after (faster; nothing proves the resources are kept)")
    parser.add_argument("--no-commit", dest="commit", action="store_false", help="leave the changes uncommitted")
    parser.add_argument("--accept", action="append", default=[], metavar="KIND",
                        choices=sorted(stackdiff.CATEGORIES),
                        help="accept this kind of change to what the repo deploys (repeatable): "
                             + "; ".join(f"{k}: {v}" for k, v in stackdiff.CATEGORIES.items()))
    parser.add_argument("--framework", default=HAND_MADE_FRAMEWORK, choices=sorted(conventions.FRAMEWORKS),
                        help="the framework to adopt into (default cdktf, what hand-made repos use); cdktn moves the "
                             "repo to CDK Terrain in the same step, verified")
    parser.add_argument("--layout", choices=LAYOUTS,
                        help="the task's layout (default: standalone when the repo has its own Pipfile, else "
                             "monorepo)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the findings as JSON")
    args = parser.parse_args(argv)
    try:
        outcome = adopt(args.repo, args.template, args.version, args.verify, args.commit, set(args.accept),
                        args.framework, args.layout)
    except AdoptError as error:
        print(f"adopt: FAILED for {args.repo.resolve()}: {error}", file=sys.stderr)
        return 1
    print(report(outcome))
    if args.json:
        args.json.write_text(json.dumps(asdict(outcome), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
