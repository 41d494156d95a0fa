"""The real interactive prompt (questionary, in a pseudo-terminal) refuses a bad answer with its reason
and asks again."""
from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time

import pytest

from helpers import ROOT, clean_env

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>]|\r")


class Terminal:
    """A process on a pseudo-terminal, read as plain text."""

    def __init__(self, cmd, cwd, columns=80):
        self.master, slave = os.openpty()
        # 80 columns: a validation message must fit on the one line the prompt gives it.
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
        env = clean_env(TERM="xterm", COLUMNS=str(columns), LINES="50")
        # pylint: disable-next=consider-using-with  # close() kills and reaps it
        self.proc = subprocess.Popen(cmd, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True)
        os.close(slave)
        self.text = ""

    def expect(self, pattern, timeout=30.0):
        """Read until `pattern` shows up in the plain text after the last match; return what matched."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, ANSI.sub("", self.text))
            if found:
                self.text = ANSI.sub("", self.text)[found.end():]
                return found.group(0)
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.text += os.read(self.master, 65536).decode("utf-8", "replace")
                except OSError:
                    break
        raise AssertionError(f"{pattern!r} not seen; screen text: {ANSI.sub('', self.text)[-2000:]!r}")

    def send(self, keys):
        """Type `keys`."""
        os.write(self.master, keys.encode())

    def close(self):
        """Kill the process if it still runs, reap it, close the terminal."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        os.close(self.master)


def words(text):
    """A pattern for `text` however the help is wrapped: any run of spaces or line breaks between its words."""
    return r"\s+".join(re.escape(word) for word in text.split())


@pytest.fixture
def terminal(request, tmp_path):
    """`python3 run.py new` on a pseudo-terminal (80 columns unless parametrized), closed after the test."""
    # The front door: run.py new gives the reason the whole line (copier alone puts a long prefix before it).
    term = Terminal(["python3", str(ROOT / "run.py"), "new", str(tmp_path / "task")], tmp_path,
                    getattr(request, "param", 80))
    yield term
    term.close()


def test_a_bad_suffix_is_refused_at_the_prompt_and_asked_again(terminal, tmp_path):
    terminal.expect(words("Where the task lives."))
    terminal.send("\r")  # the default layout, monorepo
    terminal.expect(words("Task name, a slug"))
    terminal.send("\r")
    terminal.expect(words("One sentence on what this task deploys"))
    terminal.send("\r")
    terminal.expect(words("Default environment suffix"))
    terminal.send("\x15Dev_1\r")  # Ctrl-U clears the default first
    # The whole message on one 80-column line, the accepted form first.
    terminal.expect(re.escape("Use 1-32 of a-z, 0-9, inner hyphens (dev, pr123, qa-2): it names every resource"))
    terminal.send("\x15qa-2\r")
    terminal.expect(words("Default AWS region of the main provider"))
    terminal.send("\x03")  # Ctrl-C: abandon the questionnaire
    terminal.proc.wait(timeout=30)
    assert not (tmp_path / "task" / "tap.py").exists()


@pytest.mark.parametrize("terminal", [60, 120], indirect=True, ids=["60-columns", "120-columns"])
def test_help_is_seen_whole_at_any_width_and_bad_yaml_says_the_form(terminal, tmp_path):
    """The help's last words reach the screen (a line wider than the terminal is cut, not wrapped)."""
    terminal.expect(words("(Pipfile, pytest.ini, .pylintrc, README.md, .gitignore)."))
    for _question in ("layout", "project_name", "description", "environment_suffix", "aws_region"):
        terminal.send("\r")
    terminal.expect(words("each gets an aliased AwsProvider with the same default tags. [] for none."))
    terminal.send("\x15[us-west-2\r")  # not YAML: the closing bracket is missing
    terminal.expect(re.escape("Use a YAML list like [us-west-2, eu-west-1]; [] for none"))
    terminal.send("\x03")
    terminal.proc.wait(timeout=30)
    assert not (tmp_path / "task" / "tap.py").exists()
