"""copier's entry point for the after_update migration (_migrations in copier.yml).

It only imports tapkit.lifecycle.migrations.after_update, which does the work.
"""
import sys
from pathlib import Path

# The template checkout (two folders up from hooks/) holds the tapkit package. copier runs this file with its own
# Python, from a clone of the template it made, so this is the one place a path is put on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tapkit.lifecycle.migrations.after_update import main  # noqa: E402  pylint: disable=wrong-import-position

sys.exit(main())
