"""copier's entry point for the post-generation task (_tasks in copier.yml).

It only imports tapkit.lifecycle.hook, which does the work."""
import sys
from pathlib import Path

# The template checkout (two folders up from hooks/) holds the tapkit package. copier runs this file with its own
# Python, from a clone of the template it made, so this is the one place a path is put on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tapkit.lifecycle.hook import main  # noqa: E402  pylint: disable=wrong-import-position

sys.exit(main())
