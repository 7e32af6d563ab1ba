"""scripts/deploy, the production path, run up to the `aws cloudformation deploy` call without
AWS: chalice really builds the package (offline, from a wheelhouse of this virtualenv's locked
versions, through the script's --wheelhouse), and an `aws` first on PATH does what the AWS CLI
does for `cloudformation package` (copies each function's local CodeUri into a folder standing
for the bucket, keyed by its MD5 as the CLI does, and writes the template pointing there) and
records every call. The script must run every step, in order, each on the previous one's
output, and check what each step produced.

This machine's own compiled wheels may need a newer glibc than Lambda's (chalice then leaves
them out of the zip and only warns): the script refuses that unless told the package is
vendored (--allow-missing); the whole-path test names those packages, and only those."""
from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from lambda_build import chalice_exe, project_copy, quiet_env, unfit_for_lambda, wheelhouse

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "corral-artifacts"
REQUIRED = ["--parameter", "PublicUrl=https://corral.example.com",
            "--parameter", "MailFrom=Corral <no-reply@example.com>"]
FAKE_AWS = f"""#!{sys.executable}
import hashlib, json, os, sys
from pathlib import Path

args = sys.argv[1:]
with open(os.environ["FAKE_AWS_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")

def option(name):
    return args[args.index(name) + 1]

if args[:2] == ["cloudformation", "package"]:
    source = Path(option("--template-file"))
    template = json.loads(source.read_text())
    bucket, prefix = option("--s3-bucket"), option("--s3-prefix")
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function" or os.environ.get("FAKE_AWS_KEEP"):
            continue
        data = (source.parent / resource["Properties"]["CodeUri"]).read_bytes()
        key = prefix + "/" + hashlib.md5(data).hexdigest()
        stored = Path(os.environ["FAKE_AWS_S3"]) / bucket / key
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_bytes(data)
        resource["Properties"]["CodeUri"] = "s3://" + bucket + "/" + key
    Path(option("--output-template-file")).write_text(json.dumps(template))
elif args[:2] == ["cloudformation", "deploy"]:
    print("Successfully created/updated stack - " + option("--stack-name"))
else:
    sys.exit("fake aws: unexpected " + " ".join(args))
"""


def _executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A copy of the project with scripts/ and the Makefile, and the wheelhouse."""
    tmp = tmp_path_factory.mktemp("deploy")
    project = project_copy(tmp / "project")
    shutil.copytree(ROOT / "scripts", project / "scripts")
    shutil.copy2(ROOT / "Makefile", project / "Makefile")
    return project, wheelhouse(tmp / "wheels")


@pytest.fixture
def aws(tmp_path):
    """A fake AWS CLI on PATH: its call log, its bucket folder and the environment."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _executable(bin_dir / "aws", FAKE_AWS)
    log, s3 = tmp_path / "aws-calls.jsonl", tmp_path / "s3"
    env = quiet_env(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", FAKE_AWS_LOG=str(log),
                    FAKE_AWS_S3=str(s3), PIP_CONFIG_FILE=os.devnull,
                    PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONDONTWRITEBYTECODE="1")
    return log, s3, env


def _calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def _deploy(project: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(project / "scripts" / "deploy"), *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300)


def _allow_unfit(wheels: Path) -> list[str]:
    return [arg for name in unfit_for_lambda(wheels) for arg in ("--allow-missing", name)]


def _functions(template: dict) -> dict[str, dict]:
    return {k: r["Properties"] for k, r in template["Resources"].items()
            if r["Type"] == "AWS::Serverless::Function"}


def test_the_whole_path_up_to_the_deploy_call(built, aws, tmp_path):
    project, wheels = built
    log, s3, env = aws
    out = tmp_path / "out"
    run = _deploy(project, env, "--stage", "dev", "--bucket", BUCKET, "--region", "us-east-1",
                  "--parameter", "MarketplaceProductCode=prod123", *REQUIRED,
                  "--wheelhouse", str(wheels),
                  "--chalice", chalice_exe(), "--out", str(out), *_allow_unfit(wheels))
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}"
    package, deploy = _calls(log)   # exactly two calls, in this order

    # 1. chalice package wrote the zip and sam.json, the AWS CLI was given sam.json.
    sam, zip_file = out / "chalice" / "sam.json", out / "chalice" / "deployment.zip"
    assert package[:2] == ["cloudformation", "package"]
    assert Path(_option(package, "--template-file")) == sam
    template = json.loads(sam.read_text())
    assert {p["CodeUri"] for p in _functions(template).values()} == {"./deployment.zip"}
    # 2. the zip went to the bucket; the packaged template points there.
    assert (_option(package, "--s3-bucket"), _option(package, "--s3-prefix")) == (
        BUCKET, "corral/dev")
    key = f"corral/dev/{hashlib.md5(zip_file.read_bytes()).hexdigest()}"
    assert (s3 / BUCKET / key).read_bytes() == zip_file.read_bytes()
    packaged = Path(_option(package, "--output-template-file"))
    assert "--use-json" in package
    functions = _functions(json.loads(packaged.read_text()))
    assert len(functions) == 4
    assert {p["CodeUri"] for p in functions.values()} == {f"s3://{BUCKET}/{key}"}
    from cfnlint.api import lint_file
    problems = [str(m) for m in lint_file(packaged)]
    assert not problems, "\n".join(problems)
    # 3. the stack deployed from the packaged template, with named parameters.
    assert deploy[:2] == ["cloudformation", "deploy"]
    assert Path(_option(deploy, "--template-file")) == packaged
    assert _option(deploy, "--stack-name") == "corral-dev"
    assert _option(deploy, "--capabilities") == "CAPABILITY_IAM"
    assert _option(deploy, "--region") == "us-east-1"
    assert _option(deploy, "--s3-bucket") == BUCKET   # a large template goes through S3 too
    overrides = deploy[deploy.index("--parameter-overrides") + 1:]
    assert overrides == ["Stage=dev", "MarketplaceProductCode=prod123",
                         "PublicUrl=https://corral.example.com",
                         "MailFrom=Corral <no-reply@example.com>"]
    assert "Successfully created/updated stack - corral-dev" in run.stdout
    shown = [shlex.split(line[2:]) for line in run.stdout.splitlines() if line.startswith("+ ")]
    assert shown[0][:4] == ["PIP_NO_INDEX=1", f"PIP_FIND_LINKS={wheels.resolve()}",
                            chalice_exe(), "package"]
    assert [c[:3] for c in shown[1:]] == [["aws", "cloudformation", "package"],
                                          ["aws", "cloudformation", "deploy"]]


def test_code_left_local_by_the_upload_step_is_never_deployed(built, aws, tmp_path):
    project, wheels = built
    log, _, env = aws
    run = _deploy(project, {**env, "FAKE_AWS_KEEP": "1"}, "--stage", "dev", "--bucket", BUCKET,
                  *REQUIRED,
                  "--wheelhouse", str(wheels), "--chalice", chalice_exe(),
                  "--out", str(tmp_path / "out"), *_allow_unfit(wheels))
    assert run.returncode == 1
    assert f"CodeUri is './deployment.zip', not an object in s3://{BUCKET}/" in run.stderr
    assert [c[:2] for c in _calls(log)] == [["cloudformation", "package"]]


def test_a_package_chalice_could_not_put_in_the_zip_stops_the_deploy(built, aws, tmp_path):
    """A wheelhouse whose MarkupSafe wheel is built for glibc 2.34 (Lambda's python3.11 has
    2.26): chalice leaves it out and goes on; the script stops before uploading anything."""
    project, _ = built
    log, _, env = aws
    wheels = wheelhouse(tmp_path / "wheels", {"markupsafe": "manylinux_2_34_x86_64"})
    others = [arg for name in unfit_for_lambda(wheels) if name != "markupsafe"
              for arg in ("--allow-missing", name)]
    run = _deploy(project, env, "--stage", "dev", "--bucket", BUCKET, *REQUIRED, "--wheelhouse",
                  str(wheels), "--chalice", chalice_exe(), "--out", str(tmp_path / "out"),
                  *others)
    assert run.returncode == 1, run.stdout
    assert "chalice found no Lambda wheel for" in run.stderr
    assert "markupsafe==3.0.4" in run.stderr.lower()
    assert "give --allow-missing markupsafe" in run.stderr.lower()
    assert _calls(log) == []


def test_the_dry_run_prints_the_three_commands_and_runs_none(aws, tmp_path):
    log, _, env = aws
    out = tmp_path / "out"
    run = _deploy(ROOT, env, "--stage", "prod", "--bucket", BUCKET, "--dry-run", *REQUIRED,
                  "--parameter", "MarketplaceProductCode=abc", "--out", str(out))
    assert run.returncode == 0, run.stderr
    chalice, package, deploy = [shlex.split(line) for line in run.stdout.splitlines()]
    assert chalice[1:] == ["package", "--stage", "prod", "--merge-template",
                           ".chalice/merge-template.json", str(out / "chalice")]
    assert _option(package, "--template-file") == str(out / "chalice" / "sam.json")
    assert _option(deploy, "--template-file") == _option(package, "--output-template-file")
    assert _option(deploy, "--stack-name") == "corral-prod"
    assert deploy[deploy.index("--parameter-overrides") + 1:] == [
        "Stage=prod", "PublicUrl=https://corral.example.com",
        "MailFrom=Corral <no-reply@example.com>", "MarketplaceProductCode=abc"]
    assert _calls(log) == [] and not out.exists()


@pytest.mark.parametrize("args, message", [
    (["--parameter", "Nope=1"], "--parameter Nope: the template has no such parameter"),
    (["--parameter", "Stage=prod"], "--parameter Stage: the stage is --stage"),
    (["--parameter", "MarketplaceProductCode"], "write NAME=VALUE"),
    (["--parameter", "MarketplaceProductCode=not-valid!"],
     "--parameter MarketplaceProductCode='not-valid!' does not match ^[A-Za-z0-9]{0,64}$"),
    (["--parameter", "MarketplaceProductCode=a", "--parameter", "MarketplaceProductCode=b"],
     "--parameter MarketplaceProductCode is given twice"),
    (["--wheelhouse", "/no/such/dir"], "--wheelhouse /no/such/dir is not a directory"),
])
def test_bad_arguments_are_named(aws, args, message):
    run = _deploy(ROOT, aws[2], "--stage", "dev", "--bucket", BUCKET, "--dry-run", *REQUIRED,
                  *args)
    assert run.returncode == 1
    assert message in run.stderr, run.stderr


@pytest.mark.parametrize("missing", [["--stage", "dev"], ["--bucket", BUCKET]])
def test_the_stage_and_the_bucket_are_required(aws, missing):
    run = _deploy(ROOT, aws[2], *missing, "--dry-run")
    assert run.returncode == 2
    assert "the following arguments are required: --" in run.stderr


def test_a_parameter_without_default_must_be_given(built, aws, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(built[0], project, symlinks=True)
    merge = project / ".chalice" / "merge-template.json"
    template = json.loads(merge.read_text())
    template["Parameters"]["Extra"] = {"Type": "String", "Description": "an extra setting"}
    merge.write_text(json.dumps(template))
    run = _deploy(project, aws[2], "--stage", "dev", "--bucket", BUCKET, "--dry-run", *REQUIRED)
    assert run.returncode == 1
    assert "missing --parameter Extra=... (an extra setting)" in run.stderr


def test_the_public_url_and_the_sender_must_be_given(aws):
    run = _deploy(ROOT, aws[2], "--stage", "dev", "--bucket", BUCKET, "--dry-run")
    assert run.returncode == 1
    assert "missing --parameter PublicUrl=... (The platform's public https URL" in run.stderr
    assert "MailFrom=... (The sender of activation email" in run.stderr


def test_no_aws_cli_is_named_before_anything_is_built(aws, tmp_path):
    run = _deploy(ROOT, aws[2], "--stage", "dev", "--bucket", BUCKET, *REQUIRED,
                  "--chalice", chalice_exe(), "--aws", "no-such-aws", "--out", str(tmp_path / "out"))
    assert run.returncode == 1
    assert "the AWS CLI (no-such-aws) is not on PATH" in run.stderr
    assert not (tmp_path / "out").exists()


def test_chalice_on_another_python_is_refused(aws, tmp_path):
    python = _executable(tmp_path / "python3.13", "#!/bin/sh\necho 3.13\n")
    chalice = _executable(tmp_path / "chalice", f"#!{python}\n")
    run = _deploy(ROOT, aws[2], "--stage", "dev", "--bucket", BUCKET, *REQUIRED,
                  "--chalice", str(chalice),
                  "--out", str(tmp_path / "out"))
    assert run.returncode == 1
    assert f"chalice runs on {python} (Python 3.13); the Lambda runtime is python3.11" \
        in run.stderr
    assert _calls(aws[0]) == [] and not (tmp_path / "out").exists()
