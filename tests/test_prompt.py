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

    def __init__(self, cmd, cwd):
        self.master, slave = os.openpty()
        # 80 columns: a validation message must fit on the one line the prompt gives it.
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 80, 0, 0))
        env = clean_env(TERM="xterm", COLUMNS="80", LINES="50")
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


@pytest.fixture
def terminal(tmp_path):
    """`python3 run.py new` on a pseudo-terminal, closed after the test."""
    # The front door: run.py new gives the reason the whole line (copier alone puts a long prefix before it).
    term = Terminal(["python3", str(ROOT / "run.py"), "new", str(tmp_path / "task")], tmp_path)
    yield term
    term.close()


def test_a_bad_suffix_is_refused_at_the_prompt_and_asked_again(terminal, tmp_path):
    terminal.expect(r"Task repo name, a slug")
    terminal.send("\r")
    terminal.expect(r"One sentence on what this task deploys")
    terminal.send("\r")
    terminal.expect(r"Default environment suffix")
    terminal.send("\x15Dev_1\r")  # Ctrl-U clears the default first
    # The whole message on one 80-column line, the accepted form first.
    terminal.expect(re.escape("Use 1-32 of a-z, 0-9, inner hyphens (dev, pr123, qa-2): it names every resource"))
    terminal.send("\x15qa-2\r")
    terminal.expect(r"Default AWS region of the main provider")
    terminal.send("\x03")  # Ctrl-C: abandon the questionnaire
    terminal.proc.wait(timeout=30)
    assert not (tmp_path / "task" / "tap.py").exists()
