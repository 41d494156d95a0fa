"""What a gate found: passed, failed (each problem with its fix), or not run (why, and how to make it run)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

PASSED, FAILED, NOT_RUN = "passed", "failed", "not run"


@dataclass
class Problem:
    """One thing the pipeline would refuse, and what to do about it."""
    what: str
    fix: str = ""

    def __str__(self) -> str:
        return f"{self.what} -> {self.fix}" if self.fix else self.what


@dataclass
class Result:
    """One gate's outcome. `detail` says what a passing gate measured (files, score, coverage, stacks)."""
    gate: str
    status: str
    problems: list[Problem] = field(default_factory=list)
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Only a gate that ran and passed counts as passed."""
        return self.status == PASSED

    def line(self, width: int = 16) -> str:
        """The gate's one line: `gate  passed (detail)` or `gate  failed: problem -> fix; ...`."""
        said = "; ".join(str(problem) for problem in self.problems)
        if self.status == PASSED:
            text = PASSED + (f" ({self.detail})" if self.detail else "")
        else:
            text = f"{self.status}: {said}" + (f" ({self.detail})" if self.detail else "")
        return f"{self.gate:<{width}} {text}"

    def as_dict(self) -> dict:
        """The result as JSON-ready data."""
        return {**asdict(self), "ok": self.ok}


def passed(gate: str, detail: str = "") -> Result:
    """A gate that passed."""
    return Result(gate, PASSED, [], detail)


def judged(gate: str, problems: list[Problem], detail: str = "") -> Result:
    """Passed when there is no problem, else failed with them."""
    return Result(gate, FAILED if problems else PASSED, problems, detail)


def not_run(gate: str, why: str, how: str) -> Result:
    """A gate whose tool is missing: it counts as failed (a check that did not run never passes)."""
    return Result(gate, NOT_RUN, [Problem(why, how)])
