"""Template-owned tools of a TAP task repo: contract check, verify (and the doctor). Standard library only."""
