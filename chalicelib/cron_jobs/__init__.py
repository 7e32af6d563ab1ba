"""Cron jobs: a job template run on a schedule (5-field cron in an IANA time zone), at most
maxConcurrentRuns of its runs at once, deactivated and reactivated, run now, with the history
of its scheduled times. Its next scheduled time is its pending step, due at that time in the
engine's due index: the tick finds it without scanning cron jobs. Public surface: commands
and the machine's types."""
