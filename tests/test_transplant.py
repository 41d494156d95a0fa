"""tapctl.transplant on small hand-made stacks: the code adopt writes compiles, runs, and does what the old code did.

Each test writes a tiny repo (tap.py and lib/tap_stack.py), reads it with
tapctl.handmade like adopt does, moves the resources, and executes the
generated lib/resources.py. The old TapStack's "resources" here are calls of a
module-level recorder instead of cdktf constructs, so the generated function
runs in milliseconds and every value it passes can be compared with what the
old __init__ would have passed. The full adopt with the real cdktf synth runs
on the fixtures in tests/fixtures/longtail/adopt (see tests/test_adopt.py and
the long-tail harness).
"""
from __future__ import annotations

import ast
import textwrap
import types
from pathlib import Path

import pytest

from helpers import ROOT
from tapkit.fleet import handmade, transplant

TAP_PY = '''\
import os
from cdktf import App
from lib.tap_stack import TapStack

environment_suffix = os.getenv("ENVIRONMENT_SUFFIX", "dev")
app = App()
TapStack(app, f"TapStack{{environment_suffix}}", {keywords})
app.synth()
'''
HEAD = '''\
"""A hand-made stack."""
from cdktf import S3Backend, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider

MADE = []


def Bucket(scope, construct_id, **settings):  # stands in for a cdktf resource: records what it got
    MADE.append((construct_id, settings))
    return types.SimpleNamespace(id=construct_id, scope=scope, **settings)
'''


def move(tmp_path: Path, stack_body: str, keywords: str = "environment_suffix=environment_suffix",
         head: str = HEAD) -> transplant.Moved:
    """lib/resources.py adopt writes for a TapStack whose module is `head` + `stack_body`."""
    repo = tmp_path / "repo"
    (repo / "lib").mkdir(parents=True, exist_ok=True)
    (repo / "tap.py").write_text(TAP_PY.format(keywords=keywords), encoding="utf-8")
    (repo / "lib" / "tap_stack.py").write_text(head + textwrap.dedent(stack_body), encoding="utf-8")
    reading = handmade.read(repo, "6.25.0")
    return transplant.move_resources(reading, reading.answers, repo)


class StandIn:  # pylint: disable=too-few-public-methods
    """What add_resources reads from the template's TapStack."""

    def __init__(self, suffix: str = "qa"):
        self.environment_suffix = suffix
        self.aws_region = "us-east-1"
        self.default_tags = {"Environment": suffix}
        self.provider = "primary-provider"
        self.providers = {"us-east-1": self.provider}
        self.node = types.SimpleNamespace(id=f"TapStack{suffix}", scope="the-app")


def run(moved: transplant.Moved, stack: StandIn | None = None) -> dict:
    """Execute the generated module and its add_resources; {construct id: settings it received}."""
    code = compile(moved.text, "lib/resources.py", "exec")
    namespace = {"__name__": "resources_under_test", "types": types}
    exec(code, namespace)  # pylint: disable=exec-used
    namespace["add_resources"](stack or StandIn())
    return dict(namespace["MADE"]), namespace


# ---------------------------------------------------------------- 1. `self` inside f-strings
@pytest.mark.parametrize("source, expected", [
    ('f"{self.name}-bucket"', 'f"{stack.name}-bucket"'),
    ("f'{self.environment_suffix}'", "f'{stack.environment_suffix}'"),
    ('f"{self.tags[\'Team\']}-{self.x}"', 'f"{stack.tags[\'Team\']}-{stack.x}"'),
    ('f"{self.size:>{self.width}} {self.n!r} {self.m!s:10}"',
     'f"{stack.size:>{stack.width}} {stack.n!r} {stack.m!s:10}"'),
    ('rf"\\d+{self.n}\\w"', 'rf"\\d+{stack.n}\\w"'),
    ('Fr"{self.z:%Y}"', 'Fr"{stack.z:%Y}"'),
    ('f"""\n{self.a +\n   self.b}\nself stays\n"""', 'f"""\n{stack.a +\n   stack.b}\nself stays\n"""'),
    ('f"{ {\'k\': self.v}[\'k\'] }"', 'f"{ {\'k\': stack.v}[\'k\'] }"'),
    ("f\"{f'{self.inner}'}\"", "f\"{f'{stack.inner}'}\""),
    ('f"{self.a != self.b}"', 'f"{stack.a != stack.b}"'),
    ('f"self {{self}} \\N{BULLET} {self.n}"', 'f"self {{self}} \\N{BULLET} {stack.n}"'),
    ('"{self.n}" + \'self\'', '"{self.n}" + \'self\''),  # not f-strings: literal text
    ('f"{myself.n}{self_ref}"', 'f"{myself.n}{self_ref}"'),  # other names that contain "self"
])
def test_self_is_renamed_inside_fstring_fields_only(source, expected):
    assert transplant.rename_self(f"x = {source}", set(), set(), set()) == f"x = {expected}"


def test_fstrings_in_moved_code_and_helpers_read_the_stack(tmp_path):
    moved = move(tmp_path, '''

        class TapStack(TerraformStack):
            PREFIX = "acme"

            def __init__(self, scope, construct_id, **kwargs):
                super().__init__(scope, construct_id)
                self.environment_suffix = kwargs.get("environment_suffix", "dev")
                self.name = f"{self.PREFIX}-{self.environment_suffix}"
                Bucket(self, "data", bucket=f"{self.name}-data", key=f'{self.name!r:>20}',
                       note=f"""self.name is {self.name}""")
                self._logs()

            def _logs(self):
                Bucket(self, "logs", bucket=f"{self.name}-{self._part()}")

            def _part(self):
                return f"{len(self.name)}"
        ''')
    made, _ = run(moved)
    assert made["data"] == {"bucket": "acme-qa-data", "key": f"{'acme-qa'!r:>20}", "note": "self.name is acme-qa"}
    assert made["logs"] == {"bucket": "acme-qa-7"}


# ---------------------------------------------------------------- 2. lines at odd indents
ODD = '''

    class TapStack(TerraformStack):
        def __init__(self, scope, construct_id, **kwargs):
            super().__init__(scope, construct_id)
            environment_suffix = kwargs.get("environment_suffix", "dev")
            AwsProvider(self, "aws", region="us-east-1")
            S3Backend(self, bucket=kwargs.get("state_bucket", "b"), key="k")
            settings = {
                "retention": kwargs.get("retention_days", 7),
        "logging": kwargs.get(
    "enable_logging", True),
            }
    # a comment at column 0
            if settings["logging"] and \\
    settings["retention"]:
                Bucket(self, "logs", days=settings["retention"], policy="""{
      "Version": "2012-10-17",

    "Statement": []
    }""")
            else:
                Bucket(self, "nologs")
            total = 1 + \\
    2
            Bucket(self, "calc", total=total, name=("first-"
      f"{environment_suffix}"))
'''


def test_code_at_odd_indents_moves_and_keeps_its_strings(tmp_path):
    moved = move(tmp_path, ODD, keywords="environment_suffix=environment_suffix, retention_days=14")
    made, _ = run(moved)
    assert made["logs"] == {"days": 14, "policy": '{\n  "Version": "2012-10-17",\n\n"Statement": []\n}'}
    assert made["calc"] == {"total": 3, "name": "first-qa"}


def test_helpers_and_class_constants_at_odd_indents_move(tmp_path):
    moved = move(tmp_path, '''

        class TapStack(TerraformStack):
            LIMITS = {
          "a": 1,
            }

            def __init__(self, scope, construct_id, **kwargs):
                super().__init__(scope, construct_id)
                self._make("x")

            def _make(self, name):
        # odd comment
                doc = """keep
           this"""
                Bucket(self, name, doc=doc, limit=self.LIMITS["a"])
        ''')
    made, _ = run(moved)
    assert made["x"] == {"doc": "keep\n   this", "limit": 1}


def test_a_shell_statement_sharing_a_line_with_moved_code_is_refused(tmp_path):
    with pytest.raises(transplant.CannotMove, match=r"lib/tap_stack.py:\d+: .*one line"):
        move(tmp_path, '''

            class TapStack(TerraformStack):
                def __init__(self, scope, construct_id, **kwargs):
                    super().__init__(scope, construct_id)
                    AwsProvider(self, "aws", region="us-east-1"); Bucket(self, "b")
            ''')


# ---------------------------------------------------------------- 3. names the function defines late
def test_settings_bound_first_do_not_read_names_the_code_defines_later(tmp_path):
    moved = move(tmp_path, '''

        def default_prefix():
            return "pre"


        class TapStack(TerraformStack):
            def __init__(self, scope, construct_id, environment_suffix="dev", state_bucket="b",
                         prefix=default_prefix(), **kwargs):
                super().__init__(scope, construct_id)
                Bucket(self, "first", prefix=prefix, state=state_bucket, suffix=environment_suffix)
                import os
                def default_prefix():
                    return "local"
                Bucket(self, "second", sep=os.sep, prefix=default_prefix())
        ''', keywords='environment_suffix=environment_suffix, state_bucket=os.getenv("TERRAFORM_STATE_BUCKET", "st")')
    made, namespace = run(moved)
    assert made["first"] == {"prefix": "pre", "state": "st", "suffix": "qa"}
    assert made["second"]["prefix"] == "local"
    assert namespace["ADOPTED_SETTINGS"] == {"prefix": "pre", "state_bucket": "st"}
    assert namespace["ADOPTED_DEFAULTS"] == {"prefix": "pre", "state_bucket": "b"}


def test_kwargs_read_names_defined_later_too(tmp_path):
    moved = move(tmp_path, '''

        class TapStack(TerraformStack):
            def __init__(self, scope, construct_id, **kwargs):
                super().__init__(scope, construct_id)
                Bucket(self, "b", bucket=kwargs.get("state_bucket"), size=kwargs.get("size", 1))
                import os
                Bucket(self, "c", sep=os.sep)
        ''', keywords='environment_suffix=environment_suffix, '
                      'state_bucket=os.getenv("TERRAFORM_STATE_BUCKET", "st"), size=3')
    made, _ = run(moved)
    assert made["b"] == {"bucket": "st", "size": 3}


# ---------------------------------------------------------------- 5. settings a test passes reach the moved code
def test_settings_the_old_stack_took_live_in_a_module_mapping(tmp_path):
    moved = move(tmp_path, '''

        class TapStack(TerraformStack):
            def __init__(self, scope, construct_id, vpc_cidr: str = "10.0.0.0/16", **kwargs):
                super().__init__(scope, construct_id)
                if kwargs.get("enable_logging", False):
                    Bucket(self, "logs")
                Bucket(self, "vpc", cidr=vpc_cidr)
        ''')
    made, namespace = run(moved)
    assert made == {"vpc": {"cidr": "10.0.0.0/16"}}, "tap.py's own stack is unchanged"
    assert namespace["ADOPTED_DEFAULTS"] == {"vpc_cidr": "10.0.0.0/16"}
    namespace["MADE"].clear()
    namespace["ADOPTED_SETTINGS"].update(vpc_cidr="10.1.0.0/16", enable_logging=True)
    namespace["add_resources"](StandIn())
    assert dict(namespace["MADE"]) == {"logs": {}, "vpc": {"cidr": "10.1.0.0/16"}}


# ---------------------------------------------------------------- 5. the repo's tests: patches and imports
TEST_FILE = '''\
"""Tests."""
from unittest import mock
from unittest.mock import patch

import lib.tap_stack as tap_stack_module
from lib import tap_stack
from lib.tap_stack import TapStack, QUEUE_SIZE


@mock.patch("lib.tap_stack.S3Bucket")
@patch("lib.tap_stack.TapStack._queue")
def test_x(queue, bucket, monkeypatch):
    monkeypatch.setattr(tap_stack, "Fn", None)
    with patch.object(tap_stack_module, "os") as fake_os, patch.object(TapStack, "_queue"):
        TapStack(None, "x", vpc_cidr="10.1.0.0/16")
    assert tap_stack_module.QUEUE_SIZE == QUEUE_SIZE
    patch("lib.tap_stack.AwsProvider")
    patch.object(tap_stack, "App")
'''


def test_patch_targets_follow_the_names_to_lib_resources():
    moved = {"S3Bucket", "Fn", "os", "QUEUE_SIZE", "_queue", "add_resources"}
    edit = transplant.rewrite_test(Path("t.py"), TEST_FILE, moved)
    text = edit.text
    assert '@mock.patch(\'lib.resources.S3Bucket\')' in text
    assert "@patch('lib.resources._queue')" in text
    assert 'monkeypatch.setattr(adopted_resources, "Fn", None)' in text
    assert 'patch.object(adopted_resources, "os") as fake_os, patch.object(adopted_resources, "_queue")' in text
    assert "assert adopted_resources.QUEUE_SIZE == QUEUE_SIZE" in text
    assert 'patch("lib.tap_stack.AwsProvider")' in text and 'patch.object(tap_stack, "App")' in text, \
        "names that did not move stay where they are"
    assert "from lib.tap_stack import TapStack\nfrom lib.resources import QUEUE_SIZE" in text
    assert ("from tests.adopted import tap_stack_as_before  # added by adopt\n"
            "from lib import resources as adopted_resources  # added by adopt\n") in text
    assert "tap_stack_as_before(None, \"x\", vpc_cidr=\"10.1.0.0/16\")" in text
    ast.parse(text)


def test_moved_names_include_what_the_moved_code_imports(tmp_path):
    moved = move(tmp_path, '''

        class TapStack(TerraformStack):
            def __init__(self, scope, construct_id, **kwargs):
                super().__init__(scope, construct_id)
                Bucket(self, "b")
        ''')
    assert {"Bucket", "MADE", "add_resources"} <= moved.names
    assert not {"AwsProvider", "S3Backend", "TapStack", "annotations"} & moved.names


# ---------------------------------------------------------------- 4. other callers of TapStack
def test_a_module_calling_tap_stack_goes_through_lib_adopted():
    text = ('"""Factory."""\n\nfrom lib.tap_stack import TapStack\n\n\n'
            'def create(app):\n    return TapStack(app, "TapStackdev", environment_suffix="dev", region="us-east-1")\n')
    edit = transplant.rewrite_test(Path("lib/factory.py"), text, set(), transplant.CODE_ADAPTER_MODULE)
    assert "from lib.adopted import tap_stack_as_before  # added by adopt" in edit.text
    assert 'return tap_stack_as_before(app, "TapStackdev"' in edit.text
    assert edit.changes == ["1 TapStack(...) call(s) now go through lib.adopted.tap_stack_as_before"]


def test_adapter_files_put_the_adapter_where_non_test_code_can_import_it(tmp_path):
    move(tmp_path, '''

        class TapStack(TerraformStack):
            def __init__(self, scope, construct_id, **kwargs):
                super().__init__(scope, construct_id)
        ''')
    stack = handmade.read_stack(tmp_path / "repo")
    assert list(transplant.adapter_files(stack, True, False)) == ["tests/adopted.py"]
    both = transplant.adapter_files(stack, True, True)
    assert "from lib.adopted import TapStackAsBefore, tap_stack_as_before" in both["tests/adopted.py"]
    assert "OPEN_SETTINGS = True" in both["lib/adopted.py"]
    for text in both.values():
        compile(text, "adopted.py", "exec")


def test_every_other_caller_is_rewritten_and_the_adapter_goes_where_code_can_import_it(tmp_path):
    move(tmp_path, '''

        class TapStack(TerraformStack):
            def __init__(self, scope, construct_id, **kwargs):
                super().__init__(scope, construct_id)
        ''')
    repo = tmp_path / "repo"
    call = "from lib.tap_stack import TapStack\n\nTapStack(None, 'TapStackdev', environment_suffix='dev')\n"
    for rel in ("lib/main.py", "lib/tap.py", "scripts/deploy.py", "tests/unit/test_x.py", ".venv/lib/x.py",
                "cdktf.out/stacks/x.py"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(call, encoding="utf-8")
    (repo / "lib" / "helpers.py").write_text("VALUE = 1\n", encoding="utf-8")
    edits, adapters = transplant.rewrite_callers(repo, handmade.read_stack(repo), set())
    rewritten = {e.path.relative_to(repo).as_posix(): e.text for e in edits}
    assert sorted(rewritten) == ["lib/main.py", "lib/tap.py", "scripts/deploy.py", "tests/unit/test_x.py"]
    assert "from lib.adopted import tap_stack_as_before" in rewritten["scripts/deploy.py"]
    assert "from tests.adopted import tap_stack_as_before" in rewritten["tests/unit/test_x.py"]
    assert sorted(adapters) == ["lib/adopted.py", "tests/adopted.py"]
    only_tests = {e.path.relative_to(repo).as_posix() for e in edits} - {"tests/unit/test_x.py"}
    for rel in only_tests:
        (repo / rel).unlink()
    assert sorted(transplant.rewrite_callers(repo, handmade.read_stack(repo), set())[1]) == ["tests/adopted.py"]


def test_a_parameter_tap_py_fills_from_a_pipeline_variable_reads_the_stack_setting(tmp_path):
    repo = tmp_path / "repo"
    moved = move(tmp_path, '''

        class TapStack(TerraformStack):
            def __init__(self, scope, name, env, team="core"):
                super().__init__(scope, name)
                Bucket(self, "b", env=env, team=team)
        ''', keywords="environment_suffix")
    (repo / "tap.py").write_text(TAP_PY.format(keywords="environment_suffix").replace(
        'TapStack(app, f"TapStack{environment_suffix}", environment_suffix)',
        'TapStack(app, f"TapStack{environment_suffix}", environment_suffix, "data")'), encoding="utf-8")
    reading = handmade.read(repo, "6.25.0")
    moved = transplant.move_resources(reading, reading.answers, repo)
    made, _ = run(moved, StandIn("pr9"))
    assert made["b"] == {"env": "pr9", "team": "data"}, "positional arguments of tap.py's call count too"
    assert moved.renamed == {"env": "environment_suffix"}
    adapter = transplant.adapter_files(reading.stack, True, False, moved.renamed)["tests/adopted.py"]
    assert "'env': 'environment_suffix'" in adapter and "OLD_POSITIONAL = ['env', 'team']" in adapter


def test_literal_containers_tap_py_passes_are_carried_over(tmp_path):
    moved = move(tmp_path, '''

        class TapStack(TerraformStack):
            def __init__(self, scope, construct_id, **kwargs):
                super().__init__(scope, construct_id)
                for name in kwargs.get("queues", ["default"]):
                    Bucket(self, name, limits=kwargs.get("limits"))
        ''', keywords='environment_suffix=environment_suffix, queues=QUEUES, limits={"a": (1, 2)}'.replace(
        "QUEUES", '["orders", "refunds"]'))
    made, _ = run(moved)
    assert made == {"orders": {"limits": {"a": (1, 2)}}, "refunds": {"limits": {"a": (1, 2)}}}


def test_a_module_whose_only_use_of_tap_stack_was_the_call_drops_the_import():
    text = "from lib.tap_stack import TapStack, CIDR\n\n\ndef make(app):\n    return TapStack(app, 'x', CIDR)\n"
    edit = transplant.rewrite_test(Path("lib/f.py"), text, {"CIDR"}, transplant.CODE_ADAPTER_MODULE)
    assert edit.text.startswith("from lib.resources import CIDR\nfrom lib.adopted import tap_stack_as_before")
    kept = "from lib.tap_stack import TapStack\n\n\ndef make(app) -> TapStack:\n    return TapStack(app, 'x')\n"
    edit = transplant.rewrite_test(Path("lib/f.py"), kept, set(), transplant.CODE_ADAPTER_MODULE)
    assert edit.text.startswith("from lib.tap_stack import TapStack\n"), "still used as a type"


def test_a_dropped_import_takes_its_line_and_comment():
    text = "import sys\nfrom lib.tap_stack import TapStack  # noqa: E402\nTapStack(None, 'x')\n"
    edit = transplant.rewrite_test(Path("lib/tap.py"), text, set(), transplant.CODE_ADAPTER_MODULE)
    assert edit.text == ("import sys\nfrom lib.adopted import tap_stack_as_before  # added by adopt\n"
                         "tap_stack_as_before(None, 'x')\n")


def test_a_stack_indented_with_tabs_moves(tmp_path):
    body = ('\n\nclass TapStack(TerraformStack):\n\tdef __init__(self, scope, construct_id, **kwargs):\n'
            '\t\tsuper().__init__(scope, construct_id)\n\t\tfor name in ["a", "b"]:\n'
            '\t\t\tBucket(self, name, doc="""tab\tinside\n\tkept""")\n')
    made, _ = run(move(tmp_path, body))
    assert made == {"a": {"doc": "tab\tinside\n\tkept"}, "b": {"doc": "tab\tinside\n\tkept"}}


def test_the_programs_adopt_writes_are_real_linted_files(tmp_path):
    """programs/ holds what adopt writes: the adapter as a Jinja template (rendered here with no settings and with
    some of each kind) and tests/adopted.py as it is; each passes the standalone task's pylint gate."""
    import re  # pylint: disable=import-outside-toplevel
    import subprocess  # pylint: disable=import-outside-toplevel
    import sys  # pylint: disable=import-outside-toplevel

    rcfile = ROOT / "template" / "{% if layout == 'standalone' %}.pylintrc{% endif %}"
    empty = transplant.render_adapter(callers="tests", old_positional=[], renamed={}, open_settings=False,
                                      old_defaults={}, fixed={})
    full = transplant.render_adapter(
        callers="tests and other modules", old_positional=["environment_suffix", "region"],
        renamed={"env_suffix": "environment_suffix", "region": "aws_region"}, open_settings=True,
        old_defaults={"aws_region": "us-west-2"}, fixed={"default_tags": {"Owner": "ops"}},
        old_params="self, scope, construct_id, environment_suffix='dev', region=None, *, retention=14, **kwargs",
        old_name="InfraStack")
    assert "OLD_POSITIONAL = []\nRENAMED = {\n}\n" in empty.replace("\n# Old parameter names and the template's names "
                                                                     "for them.", "")
    assert "    'env_suffix': 'environment_suffix',\n    'region': 'aws_region',\n}" in full
    assert "This repo's tests and other modules used to construct" in full and "{{" not in full + empty
    files = {"adopted_empty.py": empty, "adopted_full.py": full,
             "adopted_tests.py": transplant.TESTS_REEXPORT_FILE.read_text(encoding="utf-8")}
    for name, text in files.items():
        ast.parse(text)
        (tmp_path / name).write_text(text, encoding="utf-8")
    # import-error: `lib` resolves in the repos they are written into; too-many-branches: the adapter's one
    # decision table, which adopted repos already have as it is; duplicate-code: two renders of one template.
    done = subprocess.run([sys.executable, "-m", "pylint", f"--rcfile={rcfile}",
                           "--disable=import-error,too-many-branches,duplicate-code", *sorted(files)],
                          cwd=tmp_path, capture_output=True, text=True, check=False)
    assert re.search(r"rated at 10\.00/10", done.stdout), done.stdout + done.stderr


# ---------------------------------------------------------------- issue 20.5: shapes adopt used to give up on
def test_a_backend_chosen_by_if_else_goes_with_the_shell_and_resources_in_a_branch_stay(tmp_path):
    moved = move(tmp_path, '''
        import os


        class TapStack(TerraformStack):
            def __init__(self, scope, construct_id, environment_suffix="dev"):
                super().__init__(scope, construct_id)
                remote = os.getenv("CI")
                if remote:
                    S3Backend(self, bucket="states", key=f"{environment_suffix}/{construct_id}.tfstate")
                else:
                    # local state
                    LocalBackend(self, path="terraform.tfstate")
                S3Backend(self, bucket="x") if environment_suffix != "local" else None
                if os.getenv("REMOTE"):
                    S3Backend(self, bucket="other")
                    Bucket(self, "only_remote")
                elif environment_suffix == "x":
                    S3Backend(self, bucket="third")
                Bucket(self, "always", name=f"always-{environment_suffix}")
        ''', head=HEAD.replace("import S3Backend,", "import LocalBackend, S3Backend,"))
    assert "Backend" not in moved.text.split("def add_resources")[1]
    assert "remote = " not in moved.text  # read only by the backend's if: it went too
    assert "    if os.getenv(\"REMOTE\"):\n        Bucket(stack, \"only_remote\")\n    elif environment_suffix" \
           " == \"x\":\n        pass  # adopt:" in moved.text
    assert any("chosen by `if remote`" in d and "CI is unset in adopt's synth" in d for d in moved.dropped)
    assert any("chosen by `if os.getenv('REMOTE')`" in d and "REMOTE is unset" in d for d in moved.dropped)
    assert any("chosen by `environment_suffix != 'local'`" in d for d in moved.dropped)
    made, _ = run(moved)
    assert made == {"always": {"name": "always-qa"}}


def test_a_backend_inside_a_loop_or_try_is_still_refused(tmp_path):
    with pytest.raises(transplant.CannotMove, match="S3Backend is created inside a block"):
        move(tmp_path, '''

            class TapStack(TerraformStack):
                def __init__(self, scope, construct_id, environment_suffix="dev"):
                    super().__init__(scope, construct_id)
                    try:
                        S3Backend(self, bucket="states")
                    except ValueError:
                        Bucket(self, "b")
            ''')


def write_repo(tmp_path: Path, tap: str, stack: str) -> Path:
    """A tiny repo: tap.py and lib/tap_stack.py (HEAD + stack)."""
    repo = tmp_path / "repo"
    (repo / "lib").mkdir(parents=True, exist_ok=True)
    (repo / "tap.py").write_text(textwrap.dedent(tap), encoding="utf-8")
    (repo / "lib" / "tap_stack.py").write_text(HEAD + textwrap.dedent(stack), encoding="utf-8")
    return repo


def test_a_stack_class_of_another_name_is_read_and_its_callers_get_the_template_class(tmp_path):
    repo = write_repo(tmp_path, '''\
        import os
        from cdktf import App
        from lib.tap_stack import InfraStack as TapStack
        suffix = os.getenv("ENVIRONMENT_SUFFIX", "dev")
        TapStack(App(), f"TapStack{suffix}", environment_suffix=suffix, retention=7)
        ''', '''

        class InfraStack(TerraformStack):
            NAME = "logs"

            def __init__(self, scope, construct_id, *, environment_suffix="dev", retention=14):
                super().__init__(scope, construct_id)
                Bucket(self, InfraStack.NAME, name=f"{InfraStack.NAME}-{environment_suffix}", days=retention)
        ''')
    reading = handmade.read(repo, "6.25.0")
    assert (reading.stack.name, reading.stack.callers) == ("InfraStack", {"InfraStack", "TapStack"})
    assert reading.answers["environment_suffix"] == "dev" and set(reading.passed) == {"environment_suffix",
                                                                                     "retention"}
    moved = transplant.move_resources(reading, reading.answers, repo)
    made, _ = run(moved)
    assert made == {"logs": {"name": "logs-qa", "days": 7}}
    test = ("from lib.tap_stack import InfraStack\n\n\ndef test_x():\n"
            "    assert isinstance(InfraStack(None, 'a', environment_suffix='t'), InfraStack)\n")
    edit = transplant.rewrite_test(Path("tests/unit/test_x.py"), test, moved.names, callers=reading.stack.callers)
    assert "from lib.tap_stack import TapStack as InfraStack\n" in edit.text
    assert "isinstance(tap_stack_as_before(None, 'a', environment_suffix='t'), InfraStack)" in edit.text


def test_a_factory_function_building_a_terraform_stack_moves_like_init(tmp_path):
    repo = write_repo(tmp_path, '''\
        import os
        from cdktf import App
        from lib.tap_stack import create_stack
        create_stack(App(), f"TapStack{os.getenv('ENVIRONMENT_SUFFIX', 'dev')}", environment_suffix="dev")
        ''', '''

        def create_stack(app, name, environment_suffix="dev"):
            """The alerts stack."""
            st = TerraformStack(app, name)
            AwsProvider(st, "aws", region="us-east-1")
            Bucket(st, "alerts", name=f"alerts-{environment_suffix}", stack=name)
            return st
        ''')
    reading = handmade.read(repo, "6.25.0")
    assert (reading.stack.name, reading.stack.self_name, reading.stack.scope_param) == ("create_stack", "st", "app")
    moved = transplant.move_resources(reading, reading.answers, repo)
    assert "TerraformStack(" not in moved.text and "return" not in moved.text.split("def add_resources")[1]
    made, _ = run(moved)
    assert made == {"alerts": {"name": "alerts-qa", "stack": "TapStackqa"}}
    test = "from lib.tap_stack import create_stack\n\nstack = create_stack(None, 'TapStackt')\n"
    edit = transplant.rewrite_test(Path("tests/unit/test_x.py"), test, moved.names, callers=reading.stack.callers,
                                   factories={"create_stack"})
    assert "from tests.adopted import tap_stack_as_before as create_stack\n" in edit.text
    assert "stack = tap_stack_as_before(None, 'TapStackt')" in edit.text


@pytest.mark.parametrize("factory, message", [
    ("def create_stack(app, suffix):\n    return Other(app, f'TapStack{suffix}')\n",
     "does not create a TerraformStack"),
    ("def create_stack(app, suffix):\n    s = TerraformStack(app, f'TapStack{suffix}')\n    return s\n",
     r"take the scope and the stack id first"),
])
def test_a_factory_adopt_cannot_read_is_refused_naming_the_change(tmp_path, factory, message):
    repo = write_repo(tmp_path, "from cdktf import App\nfrom lib.tap_stack import create_stack\n"
                                "create_stack(App(), 'dev')\n", "\n\n" + factory)
    with pytest.raises(handmade.NotATapRepo, match=message):
        handmade.read_stack(repo)


def test_no_stack_class_and_nothing_tap_py_imports_is_refused_naming_the_change(tmp_path):
    repo = write_repo(tmp_path, "from cdktf import App\n", "\n\nclass Other(TerraformStack):\n    pass\n")
    with pytest.raises(handmade.NotATapRepo, match="Name the stack's class TapStack"):
        handmade.read_stack(repo)


def test_module_code_that_built_the_stack_goes_through_the_adapter(tmp_path):
    moved = move(tmp_path, '''

        class TapStack(TerraformStack):
            def __init__(self, scope, construct_id, environment_suffix="dev", retention=14):
                super().__init__(scope, construct_id)
                Bucket(self, "logs", days=retention)


        def stack_for_tests(suffix="test"):
            return TapStack(None, f"TapStack{suffix}", suffix, 30)
        ''')
    assert moved.calls_stack and "stack_for_tests" in moved.names and "tap_stack_as_before" not in moved.names
    assert 'return tap_stack_as_before(None, f"TapStack{suffix}", suffix, 30)' in moved.text
    assert "from lib.adopted import tap_stack_as_before as build" in moved.text
    repo = tmp_path / "repo"
    _edits, adapters = transplant.rewrite_callers(repo, handmade.read_stack(repo), moved)
    assert sorted(adapters) == ["lib/adopted.py"]


def test_tests_reading_the_signature_get_the_old_one(tmp_path):
    move(tmp_path, '''
        RETENTION = 14


        class TapStack(TerraformStack):
            def __init__(self, scope: str, construct_id: str, environment_suffix: str = "dev",
                         retention: int = RETENTION, *, tags: dict | None = None, **kwargs):
                super().__init__(scope, construct_id)
        ''')
    stack = handmade.read_stack(tmp_path / "repo")
    params = transplant.old_parameters(stack, {"RETENTION"})
    assert params == ("self, scope, construct_id, environment_suffix='dev', retention=resources.RETENTION, *, "
                      "tags=None, **kwargs")
    test = ("import inspect\nfrom lib.tap_stack import TapStack\n\n\ndef test_sig():\n"
            "    assert inspect.signature(TapStack.__init__).parameters\n"
            "    assert inspect.signature(TapStack)\n    assert TapStack.__init__.__code__.co_varnames\n"
            "    super().__init__()\n")
    edit = transplant.rewrite_test(Path("tests/unit/test_x.py"), test, set())
    assert edit.text.count("TapStackAsBefore") == 4  # three uses and the import
    assert "from tests.adopted import TapStackAsBefore  # added by adopt" in edit.text
    assert "super().__init__()" in edit.text and "from lib.tap_stack import TapStack\n" in edit.text
    adapter = transplant.adapter_text(stack, moved_names={"RETENTION"})
    assert f"    def __init__({params}):" in adapter
    compile(adapter, "adopted.py", "exec")


def test_settings_passed_as_a_dict_literal_are_keywords(tmp_path):
    repo = write_repo(tmp_path, '''\
        import os
        from cdktf import App
        from lib.tap_stack import TapStack
        suffix = os.getenv("ENVIRONMENT_SUFFIX", "dev")
        config = {"environment_suffix": suffix, "alarm_email": "ops@example.com"}
        TapStack(App(), f"TapStack{suffix}", **config)
        ''', '''

        class TapStack(TerraformStack):
            def __init__(self, scope, construct_id, **kwargs):
                super().__init__(scope, construct_id)
                Bucket(self, "alarms", name=f"alarms-{kwargs.get('environment_suffix')}",
                       email=kwargs.get("alarm_email", "nobody"))
        ''')
    reading = handmade.read(repo, "6.25.0")
    assert set(reading.passed) == {"environment_suffix", "alarm_email"}
    made, _ = run(transplant.move_resources(reading, reading.answers, repo))
    assert made == {"alarms": {"name": "alarms-qa", "email": "ops@example.com"}}


def test_a_suffix_the_old_stack_made_over_moves_and_a_too_long_test_suffix_is_reported(tmp_path):
    repo = tmp_path / "repo"
    moved = move(tmp_path, '''

        class TapStack(TerraformStack):
            def __init__(self, scope, construct_id, environment_suffix="dev"):
                super().__init__(scope, construct_id)
                self.environment_suffix = environment_suffix.lower()[:4]
                Bucket(self, "logs", name=f"logs-{self.environment_suffix}")
        ''')
    made, _ = run(moved, StandIn("Production"))
    assert made == {"logs": {"name": "logs-prod"}}
    (repo / "tests").mkdir()
    (repo / "tests" / "test_x.py").write_text(
        "from lib.tap_stack import TapStack\nTapStack(None, 'x', 'Feature-' + 'x')\n"
        f"TapStack(None, 'x', environment_suffix={'a' * 40!r})\nTapStack(None, 'x', 'Production')\n",
        encoding="utf-8")
    drift = [d for d in handmade.read(repo, "6.25.0").drift if "characters" in d]
    assert len(drift) == 1 and drift[0].startswith("tests/test_x.py:3 builds the stack with environment_suffix=")
    assert "longer than 32" in drift[0] and "Shorten it in the test" in drift[0]


def test_the_adapter_builds_an_old_call_with_a_suffix_the_template_refuses_and_shows_the_old_signature(tmp_path):
    """The rendered adapter, run against a stand-in of the template's TapStack (no cdktf): 'Production' passes
    while the stack is built the old way, and only then; TapStackAsBefore has the old parameters."""
    import subprocess  # pylint: disable=import-outside-toplevel
    import sys  # pylint: disable=import-outside-toplevel

    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "lib" / "resources.py").write_text("", encoding="utf-8")
    (tmp_path / "lib" / "tap_stack.py").write_text(textwrap.dedent('''\
        import re
        SUFFIX_RULE = re.compile("^[a-z0-9-]+$")


        class TapStack:
            def __init__(self, scope, stack_id, *, environment_suffix, aws_region="us-east-1"):
                if environment_suffix and not SUFFIX_RULE.search(environment_suffix):
                    raise ValueError(environment_suffix)
                self.environment_suffix = environment_suffix
        '''), encoding="utf-8")
    (tmp_path / "tap.py").write_text(textwrap.dedent('''\
        from lib.tap_stack import TapStack


        def build_stack(app, environ=None):
            return TapStack(app, "TapStackdev", environment_suffix=environ["ENVIRONMENT_SUFFIX"])
        '''), encoding="utf-8")
    (tmp_path / "lib" / "adopted.py").write_text(transplant.render_adapter(
        callers="tests", old_positional=["environment_suffix"], renamed={}, open_settings=False, old_defaults={},
        fixed={}, old_params="self, scope, construct_id, environment_suffix='dev'", old_name="TapStack"),
        encoding="utf-8")
    check = textwrap.dedent('''\
        import inspect
        from lib import tap_stack
        from lib.adopted import TapStackAsBefore, tap_stack_as_before
        assert tap_stack_as_before(None, "x", "Production").environment_suffix == "Production"
        assert TapStackAsBefore(None, "x", environment_suffix="Qa").environment_suffix == "Qa"
        assert list(inspect.signature(TapStackAsBefore).parameters) == ["scope", "construct_id", "environment_suffix"]
        assert inspect.signature(TapStackAsBefore.__init__).parameters["environment_suffix"].default == "dev"
        try:
            tap_stack.TapStack(None, "x", environment_suffix="Production")
        except ValueError:
            print("ok")
        ''')
    done = subprocess.run([sys.executable, "-c", check], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "ok", done.stdout + done.stderr


def test_a_provider_made_under_a_condition_is_still_refused(tmp_path):
    with pytest.raises(transplant.CannotMove, match="AwsProvider is created inside a block"):
        move(tmp_path, '''

            class TapStack(TerraformStack):
                def __init__(self, scope, construct_id, aws_region=""):
                    super().__init__(scope, construct_id)
                    if aws_region:
                        AwsProvider(self, "aws", region=aws_region)
                    Bucket(self, "b")
            ''')
