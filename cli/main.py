"""The `corral` command: clusters, jobs, notebooks and usage over the platform's HTTP API.

Text goes to people (Rich tables; progress on stderr), `--output json` to scripts: exactly one
JSON document on stdout: the answer (also when a wait ends FAILED: the exit code says so), or
{"error", "exitCode"} when there is none. Exit codes: api.EXIT_CODES.
"""
from __future__ import annotations

import codecs
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

import click
import requests
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .api import (DEFAULT_LOCAL, EXIT_CODES, FAILED, GAVE_UP, REFUSED, Api, CliError,
                  resolve)

POLL_SECONDS = 2.0
CLUSTER_DONE = {"RUNNING": 0, "FAILED": FAILED}
JOB_TERMINAL = {"SUCCEEDED", "FAILED", "CANCELLED", "TIMEOUT"}


@dataclass
class Runtime:
    """What a test may replace: the HTTP session and the waiting (the code path stays real)."""
    session: requests.Session | None = None
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], float] = time.monotonic
    output: str = "text"
    printed: bool = False      # a document is on stdout: an error after it adds none
    options: dict = field(default_factory=dict)
    _api: Api | None = None

    def api(self) -> Api:
        if self._api is None:
            o = self.options
            self._api = Api(resolve(o.get("api_url"), o.get("client_id"), o.get("secret"),
                                    o.get("local")), self.session)
        return self._api

    @property
    def json(self) -> bool:
        return self.output == "json"


def _rt() -> Runtime:
    return click.get_current_context().find_object(Runtime)


def out(data, text: Callable[[Console], None]) -> None:
    rt = _rt()
    rt.printed = True
    if rt.json:
        click.echo(json.dumps(data, indent=2, sort_keys=True))
    else:
        # Piped: no terminal's width to fit, so tables are not squeezed to 80 columns.
        text(Console(highlight=False, soft_wrap=True,
                     width=None if sys.stdout.isatty() else 200))


def err_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _output_option(fn):
    """`--output` on every command too, so it may come after the command's name."""
    def keep(ctx, _param, value):
        if value:
            ctx.find_object(Runtime).output = value
        return value
    return click.option("--output", "-o", type=click.Choice(["text", "json"]), default=None,
                        expose_value=False, callback=keep, is_eager=True,
                        help="text for people, json for scripts (one document on stdout)")(fn)


class CorralGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.ClickException as e:
            rt = ctx.find_object(Runtime)
            if rt is not None and rt.json and not rt.printed:
                click.echo(json.dumps({"error": e.format_message(), "exitCode": e.exit_code}))
            raise


EPILOG = "Exit codes: " + "; ".join(f"{k} {v}" for k, v in EXIT_CODES.items()) + "."


@click.group(cls=CorralGroup, epilog=EPILOG)
@click.option("--api-url", envvar="CORRAL_API_URL", help="the platform's API URL "
              "(env CORRAL_API_URL)")
@click.option("--client-id", envvar="CORRAL_CLIENT_ID", help="a workspace API key's client id "
              "(env CORRAL_CLIENT_ID)")
@click.option("--secret", envvar="CORRAL_SECRET", help="its secret (env CORRAL_SECRET)")
@click.option("--local", "local", is_flag=False, flag_value=str(DEFAULT_LOCAL), default=None,
              metavar="[PATH]", help=f"sign in with make run's local.json (default "
              f"{DEFAULT_LOCAL}, also used when nothing else is given and it exists)")
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text for people, json for scripts")
@click.pass_context
def cli(ctx, api_url, client_id, secret, local, output):
    """Corral's command line: clusters, jobs, notebooks and usage of a workspace."""
    rt = ctx.ensure_object(Runtime)
    rt.output = output
    options = {"api_url": api_url, "client_id": client_id, "secret": secret}
    if local is not None:
        # --local wins over CORRAL_* variables; only the same options typed with it clash.
        typed = click.core.ParameterSource.COMMANDLINE
        options = {k: v for k, v in options.items() if ctx.get_parameter_source(k) == typed}
    rt.options = {**options, "local": local}


# ---- clusters -------------------------------------------------------------------------------
CLUSTER_COLUMNS = ("uuid", "name", "status", "instanceType", "workersQuantity")


def _table(rows: list[dict], columns: tuple[str, ...], empty: str) -> Callable[[Console], None]:
    def show(console: Console) -> None:
        if not rows:
            console.print(empty)
            return
        table = Table()
        for c in columns:     # ids are copied from here: whole, on one line
            if c.lower().endswith("uuid"):
                table.add_column(c, no_wrap=True, min_width=36)
            else:
                table.add_column(c, overflow="fold")
        for r in rows:
            table.add_row(*("" if r.get(c) is None else str(r.get(c)) for c in columns))
        console.print(table)
    return show


def _fields(item: dict, keys: tuple[str, ...]) -> Callable[[Console], None]:
    def show(console: Console) -> None:
        table = Table(show_header=False, box=None)
        for k in keys:
            value = item.get(k)
            if value not in (None, "", [], {}):
                table.add_row(k, ", ".join(map(str, value)) if isinstance(value, list)
                              else str(value))
        console.print(table)
    return show


CLUSTER_FIELDS = CLUSTER_COLUMNS + ("bodoVersion", "autoPause", "autoStop", "nodesIp",
                                    "createdAt", "inStateSince")


@cli.group()
def clusters():
    """Create, look at, pause, resume and remove clusters."""


@clusters.command("list")
@_output_option
def clusters_list():
    """The workspace's clusters."""
    api, rows, page = _rt().api(), [], 1
    while True:
        reply = api.call("GET", "/v2/clusters", params={"page": page, "size": 100})
        rows += reply["data"]
        if not reply["data"] or len(rows) >= reply["metadata"]["total_items"]:
            break
        page += 1
    out(rows, _table(rows, CLUSTER_COLUMNS, "No clusters."))


def _uuid_arg(what: str):
    return click.argument("uuid", metavar=f"{what.upper()}_UUID")


@clusters.command("get")
@_uuid_arg("cluster")
@_output_option
def clusters_get(uuid):
    """One cluster."""
    c = _rt().api().call("GET", f"/v1/clusters/{uuid}")
    out(c, _fields(c, CLUSTER_FIELDS))


def _wait_cluster(uuid: str, want: set[str], timeout: float, gone_ok: bool) -> dict:
    """Poll the cluster and its latest task, showing the task's details as they come (on
    stderr), until it is in `want` or FAILED. A removed cluster may answer 404: TERMINATED."""
    rt = _rt()
    api, deadline = rt.api(), rt.now() + timeout
    shown: list[str] = []
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                        console=err_console(), transient=False,
                        disable=rt.json)
    with progress:
        bar = progress.add_task(f"cluster {uuid}", total=None)
        while True:
            try:
                cluster = api.call("GET", f"/v1/clusters/{uuid}")
            except CliError as e:
                if gone_ok and e.status == 404:
                    cluster = {"uuid": uuid, "status": "TERMINATED"}
                else:
                    raise
            tasks = api.call("GET", "/v1/tasks", params={"resourceUUID": uuid, "order": "DESC",
                                                         "size": 1})["data"]
            details = tasks[0]["details"] if tasks else []
            if details[:len(shown)] != shown:   # another task: start over
                shown = []
            for line in details[len(shown):]:
                progress.console.print(f"  {line}")
            shown = list(details)
            status = cluster.get("status")
            progress.update(bar, description=f"cluster {cluster.get('name', uuid)}: {status}")
            if status in want or status == "FAILED":
                return cluster
            if rt.now() >= deadline:
                raise CliError(f"cluster {uuid} is still {status} after {timeout:g}s; it goes "
                               f"on: `corral clusters get {uuid}` tells how it ends", GAVE_UP)
            rt.sleep(POLL_SECONDS)


def _after_wait(cluster: dict, want: str) -> None:
    out(cluster, _fields(cluster, CLUSTER_FIELDS))
    if cluster.get("status") != want:
        raise CliError(f"cluster {cluster['uuid']} is {cluster.get('status')}, not {want}",
                       FAILED)


TIMEOUT = click.option("--timeout", type=click.FloatRange(min=1), default=1800,
                       show_default=True, help="seconds to wait at most")


@clusters.command("create")
@click.option("--name", required=True)
@click.option("--instance-type", required=True, help="e.g. c5n.18xlarge")
@click.option("--workers", type=click.IntRange(min=1), required=True,
              help="number of nodes")
@click.option("--auto-pause", type=click.IntRange(min=0), default=None,
              help="minutes of idleness before a pause (0: never)")
@click.option("--auto-stop", type=click.IntRange(min=0), default=None,
              help="minutes of idleness before a stop (0: never)")
@click.option("--wait", is_flag=True, help="show the progress until RUNNING or FAILED")
@TIMEOUT
@_output_option
def clusters_create(name, instance_type, workers, auto_pause, auto_stop, wait, timeout):
    """Create a cluster."""
    body = {"name": name, "instanceType": instance_type, "workersQuantity": workers}
    if auto_pause is not None:
        body["autoPause"] = auto_pause
    if auto_stop is not None:
        body["autoStop"] = auto_stop
    c = _rt().api().call("POST", "/v1/clusters", body)
    if not wait:
        out(c, _fields(c, CLUSTER_FIELDS))
        return
    if not _rt().json:
        err_console().print(f"Creating cluster {c['name']} ({c['uuid']})")
    _after_wait(_wait_cluster(c["uuid"], {"RUNNING"}, timeout, False), "RUNNING")


def _action(method: str, verb: str):
    def command(uuid):
        c = _rt().api().call(method, f"/v1/clusters/{uuid}/{verb}")
        out(c, _fields(c, CLUSTER_FIELDS))
    return command


clusters.command("pause", help="Pause a RUNNING cluster (its nodes stop, its disks stay).")(
    _uuid_arg("cluster")(_output_option(_action("PUT", "pause"))))
clusters.command("resume", help="Resume a PAUSED cluster.")(
    _uuid_arg("cluster")(_output_option(_action("PUT", "resume"))))


@clusters.command("remove")
@_uuid_arg("cluster")
@click.option("--wait", is_flag=True, help="wait until TERMINATED")
@TIMEOUT
@_output_option
def clusters_remove(uuid, wait, timeout):
    """Remove a cluster and what it launched."""
    c = _rt().api().call("DELETE", f"/v1/clusters/{uuid}")
    if not wait:
        out(c, _fields(c, CLUSTER_FIELDS))
        return
    _after_wait(_wait_cluster(uuid, {"TERMINATED"}, timeout, True), "TERMINATED")


# ---- jobs -----------------------------------------------------------------------------------
JOB_COLUMNS = ("uuid", "name", "status", "clusterUUID", "submittedAt", "finishedAt")


@cli.group()
def jobs():
    """Submit jobs and read their logs."""


@jobs.command("list")
@click.option("--cluster", "cluster_uuid", default=None, help="only this cluster's")
@click.option("--status", default=None, help="only runs in this status")
@_output_option
def jobs_list(cluster_uuid, status):
    """The workspace's job runs (the latest 100)."""
    params = {"page": 1, "size": 100, "order": "DESC"}
    if cluster_uuid:
        params["clusterUUID"] = cluster_uuid
    if status:
        params["status"] = status
    rows = _rt().api().call("GET", "/v1/jobs", params=params)["data"]
    out(rows, _table(rows, JOB_COLUMNS, "No job runs."))


JOB_FIELDS = JOB_COLUMNS + ("reason", "numRetriesUsed")


@jobs.command("get")
@_uuid_arg("job")
@_output_option
def jobs_get(uuid):
    """One job run."""
    j = _rt().api().call("GET", f"/v1/jobs/{uuid}")
    out(j, _fields(j, JOB_FIELDS))


def _log_urls(api: Api, uuid: str) -> dict[str, str] | None:
    """The presigned URLs of the latest attempt's stdout and stderr; None while no attempt has
    started (the API answers 409)."""
    try:
        urls = api.call("GET", f"/v1/jobs/{uuid}/logs")
    except CliError as e:
        if e.status == 409:
            return None
        raise
    return {name: urls[f"{name}Url"] for name in ("stdout", "stderr")}


def _logs(api: Api, uuid: str) -> dict[str, str] | None:
    urls = _log_urls(api, uuid)
    return None if urls is None else {n: api.fetch_text(u) for n, u in urls.items()}


class Tail:
    """A growing log read from where the last read ended (an HTTP Range), decoded as UTF-8 even
    when a read ends inside a character. Another object (the next attempt's log) starts over."""

    def __init__(self):
        self.key, self.offset, self.text = None, 0, ""
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def more(self, api: Api, url: str) -> str:
        key = urlsplit(url).path
        if key != self.key:
            self.key, self.offset = key, 0
            self.decoder.reset()
        data = api.fetch_from(url, self.offset)
        self.offset += len(data)
        new = self.decoder.decode(data)
        self.text += new
        return new


@jobs.command("logs")
@_uuid_arg("job")
@_output_option
def jobs_logs(uuid):
    """A job run's stdout (and its stderr, on stderr)."""
    logs = _logs(_rt().api(), uuid)
    if logs is None:
        raise CliError(f"job run {uuid} has not started: no logs yet", REFUSED)
    if _rt().json:
        out(logs, lambda c: None)
        return
    click.echo(logs["stdout"], nl=False)
    click.echo(logs["stderr"], nl=False, err=True)


@jobs.command("submit")
@click.option("--cluster", "cluster_uuid", required=True, help="the cluster's uuid")
@click.option("--source-path", required=True,
              help="the script's path on the cluster, e.g. /shared/app/main.py")
@click.option("--args", "args", default="", help="the script's arguments, as one string")
@click.option("--name", default=None, help="the run's name (default: the file's)")
@click.option("--follow", is_flag=True, help="stream the logs until the run ends")
@TIMEOUT
@_output_option
def jobs_submit(cluster_uuid, source_path, args, name, follow, timeout):
    """Run a Python script from the workspace's shared folder on a cluster."""
    folder, _, file = source_path.rstrip("/").rpartition("/")
    if not source_path.startswith("/") or not file.endswith(".py"):
        raise click.BadParameter("must be an absolute path to a .py file, "
                                 "e.g. /shared/app/main.py", param_hint="--source-path")
    body = {"type": "BATCH", "name": name or file, "clusterUUID": cluster_uuid,
            "jobConfig": {"type": "PYTHON", "sourceLocation": file, "args": args,
                          "source": {"type": "WORKSPACE", "sourceDef": {"path": folder or "/"}}}}
    rt = _rt()
    api = rt.api()
    run = api.call("POST", "/v1/jobs", body)
    if not follow:
        out(run, _fields(run, JOB_FIELDS))
        return
    if not rt.json:
        err_console().print(f"Submitted job run {run['uuid']} ({run['name']})")
    tails = {"stdout": Tail(), "stderr": Tail()}
    deadline = rt.now() + timeout
    while True:
        run = api.call("GET", f"/v1/jobs/{run['uuid']}")
        urls = _log_urls(api, run["uuid"]) if run.get("status") != "PENDING" else None
        for name_, to_err in (("stdout", False), ("stderr", True)):
            new = tails[name_].more(api, urls[name_]) if urls else ""
            if new and not rt.json:
                click.echo(new, nl=False, err=to_err)
        if run.get("status") in JOB_TERMINAL:
            break
        if rt.now() >= deadline:
            raise CliError(f"job run {run['uuid']} is still {run.get('status')} after "
                           f"{timeout:g}s; it goes on", GAVE_UP)
        rt.sleep(POLL_SECONDS)
    logs = {name_: t.text for name_, t in tails.items()}
    if rt.json:
        out({"job": run, **logs}, lambda c: None)
    else:
        err_console().print(f"Job run {run['uuid']}: {run['status']}"
                            + (f" ({run['reason']})" if run.get("reason") else ""))
    if run["status"] != "SUCCEEDED":
        raise CliError(f"job run {run['uuid']} ended {run['status']}", FAILED)


# ---- notebooks, usage -----------------------------------------------------------------------
@cli.group()
def notebooks():
    """Notebooks."""


@notebooks.command("open")
@_uuid_arg("notebook")
@_output_option
def notebooks_open(uuid):
    """Print the URL that opens a READY notebook."""
    n = _rt().api().call("GET", f"/v1/notebooks/{uuid}")
    if not n.get("openUrl"):
        raise CliError(f"notebook {uuid} is {n.get('status')}: it opens once READY", REFUSED)
    out({"uuid": uuid, "openUrl": n["openUrl"]}, lambda c: click.echo(n["openUrl"]))


@cli.command()
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="first day, YYYY-MM-DD (default: the 1st of this month)")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="last day, YYYY-MM-DD (default: today)")
@click.option("--group-by", type=click.Choice(["cluster", "instanceType", "day"]),
              default="cluster",
              show_default=True)
@_output_option
def usage(start, end, group_by):
    """Instance minutes and dollars over a period."""
    params = {"groupBy": group_by}
    if start:
        params["from"] = start.date().isoformat()
    if end:
        params["to"] = end.date().isoformat()
    report = _rt().api().call("GET", "/v1/usage", params=params)

    def show(console: Console) -> None:
        console.print(f"Usage from {report['from']} to {report['to']} by {group_by}")
        columns = (group_by, "instanceMinutes", "dollars")
        if group_by == "cluster":
            columns = (group_by, "name", "kind", "instanceMinutes", "dollars")
        _table(report["data"], columns, "No usage in that period.")(console)
    out(report, show)


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name="corral", standalone_mode=False, obj=Runtime())
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        e.show()
        return e.exit_code
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
