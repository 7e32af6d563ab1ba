"""The engine that moves every aggregate, generic over the state machines the concepts
register at wiring time (chalicelib/bootstrap.py): commit events, run one queued step,
re-drive what is overdue, and the one command helper (load, decide, commit, retry)."""
