"""Put the template's directory on sys.path, so hooks `import taptools.conventions` like generated repos do.

Hooks run as scripts from hooks/ (copier's own Python, standard library only); the
template they belong to sits beside them in template/. Import this module first.
"""
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1] / "template"
if str(TEMPLATE) not in sys.path:
    sys.path.insert(0, str(TEMPLATE))
