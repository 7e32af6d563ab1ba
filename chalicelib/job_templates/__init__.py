"""Job templates: a job's config (source, file, arguments, environment, timeout) and
optionally a cluster config, kept under a name to run again (POST /v1/jobs with
jobTemplateUUID) or on a schedule (cron jobs). Public surface for other concepts: commands,
runs (a run's body completed from its template) and the machine's types."""
