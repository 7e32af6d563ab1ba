"""One job at a time on a cluster: a row per cluster in the state table names the run that has
it (its lane). Taken only if free (a conditional put), released only by its holder; a run that
ended releases it as its own step, so a crash in between leaves it to the tick, never stuck."""
from __future__ import annotations

from ..store import records

KIND = "job-lane"


def _key(cluster_uuid: str) -> tuple[str, str]:
    return f"{KIND}#{cluster_uuid}", "lane"


def holder(cluster_uuid: str) -> str | None:
    found = records.get_record(*_key(cluster_uuid))
    return found["run"] if found else None


def take(cluster_uuid: str, run_uuid: str) -> str | None:
    """The run that has the cluster after trying for `run_uuid`: itself if it got (or had)
    it, another one if that one has it."""
    for _ in range(3):   # a release between the put and the read: try again
        if records.put_record(*_key(cluster_uuid), KIND, {"run": run_uuid}, only_if_new=True):
            return run_uuid
        found = holder(cluster_uuid)
        if found is not None:
            return found
    return holder(cluster_uuid)


def release(cluster_uuid: str, run_uuid: str) -> None:
    """Free the cluster if this run has it (only its holder ever deletes the row, and nobody
    changes a row that exists: the read and the delete cannot be raced)."""
    if holder(cluster_uuid) == run_uuid:
        records.delete_records([_key(cluster_uuid)])
