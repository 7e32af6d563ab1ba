"""The kernel: what every concept builds on and that names no concept. Pure parts (stdlib
only): transition-table helpers, events, tasks, state serialisation and folding, errors, ids,
times, regions. With them: the clock and the deployment's configuration."""
