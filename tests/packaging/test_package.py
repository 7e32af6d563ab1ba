"""The Lambda package and its CloudFormation template, built the way production builds them:
`chalice package --stage dev --merge-template .chalice/merge-template.json`, run in a copy of
the repo's app.py, chalicelib/, handlers/, vendor/ and .chalice/.

Chalice packages only app.py, chalicelib/ and vendor/ (following links); handlers/ reaches the
zip through the committed link vendor/handlers -> ../handlers. This test proves it: it imports
the app from the unzipped package alone, the way Lambda does.

Offline and fast: chalice resolves requirements.txt (the lock, see test_lock.py) with `pip
download`. The test points pip at a wheelhouse made from the distributions already installed
in this virtualenv (each the locked version, re-packed), with no index, so the build never
needs the network and packs the very versions the rest of the suite runs against."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import locked
from chalicelib.kernel.config import DEPLOYED
from lambda_build import chalice_exe, project_copy, quiet_env, unfit_for_lambda, wheelhouse

ROOT = Path(__file__).resolve().parents[2]
STAGE = "dev"
MERGE_TEMPLATE = ".chalice/merge-template.json"
WORKER_HANDLER = "handlers.worker.on_work"
TICK_HANDLER = "handlers.tick.on_tick"
MARKETPLACE_HANDLER = "handlers.marketplace.on_marketplace_event"
# AWS: set the source queue's visibility timeout to at least six times the function timeout.
VISIBILITY_MARGIN = 6
DEPLOYMENT_PARAMETERS = {"CORRAL_PUBLIC_URL": "PublicUrl", "CORRAL_MAIL_FROM": "MailFrom",
                         "CORRAL_MARKETPLACE_PRODUCT_CODE": "MarketplaceProductCode"}
WIRED_ENV = {"CORRAL_STATE_TABLE": "StateTable", "CORRAL_EVENTS_TABLE": "EventsTable",
             "CORRAL_WORK_QUEUE_URL": "WorkQueue", "CORRAL_JWT_SECRET_ARN": "JwtSigningSecret"}


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("package")
    wheels = wheelhouse(tmp / "wheels")
    project = project_copy(tmp / "project")
    out = tmp / "out"
    run = subprocess.run(
        [chalice_exe(), "package", "--stage", STAGE, "--merge-template", MERGE_TEMPLATE, str(out)],
        cwd=project, capture_output=True, text=True, timeout=300,
        env=quiet_env(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels), PIP_CONFIG_FILE=os.devnull,
                       PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONDONTWRITEBYTECODE="1"))
    assert run.returncode == 0, f"chalice package failed:\n{run.stdout}\n{run.stderr}"
    template = json.loads((out / "sam.json").read_text())
    return out, template, wheels


@pytest.fixture(scope="module")
def names(package):
    with zipfile.ZipFile(package[0] / "deployment.zip") as z:
        return set(z.namelist())


@pytest.fixture(scope="module")
def resources(package):
    return package[1]["Resources"]


def _functions(resources) -> dict[str, dict]:
    """Handler string -> properties of every Lambda function in the template."""
    return {r["Properties"]["Handler"]: r["Properties"] for r in resources.values()
            if r["Type"] == "AWS::Serverless::Function"}


def _dev(value) -> str:
    """A physical name as the template declares it, for Stage=dev."""
    if isinstance(value, dict):
        value = value["Fn::Sub"]
    return value.replace("${Stage}", STAGE)


# ---- what the zip holds -------------------------------------------------------------------

def test_the_zip_holds_the_app_chalicelib_and_the_handlers(names):
    for required in ("app.py", "chalicelib/__init__.py", "chalicelib/linking/platform-policy.json",
                     "chalicelib/store/models.py", "handlers/__init__.py", "handlers/worker.py",
                     "handlers/tick.py", "handlers/marketplace.py", "pynamodb/__init__.py",
                     "jwt/__init__.py"):
        assert required in names, f"{required} is missing from the package"


def test_the_zip_holds_every_locked_package_lambda_can_run(package, names):
    """Each locked distribution's .dist-info is in the zip, except those whose wheel here is
    built for a newer glibc than Lambda's (chalice leaves them out; scripts/deploy refuses
    such a build): this machine's may be, a wheelhouse of the lock's own files never is."""
    unfit = set(unfit_for_lambda(package[2]))
    tops = {n.split("/", 1)[0].lower() for n in names}
    for pin in locked.pins():
        info = f"{pin.name.replace('-', '_')}-{pin.version}.dist-info"
        assert (info in tops) != (pin.name in unfit), f"{pin.name}: {info} in the zip: {info in tops}"


def test_the_zip_leaves_local_mode_tests_and_the_repo_out(names):
    for name in names:
        top = name.split("/", 1)[0]
        assert top not in {"local", "tests", "vendor", "bench", ".chalice", ".venv", "moto"}, name


# ---- what the template declares ----------------------------------------------------------

def test_the_template_is_valid_cloudformation(package):
    from cfnlint.api import ManualArgs, lint_file
    # informational checks included: the template is clean at every level
    problems = [str(m) for m in lint_file(package[0] / "sam.json",
                                          config=ManualArgs(include_checks=["I"]))]
    assert not problems, "\n".join(problems)


def test_the_tables_match_the_models(resources):
    from chalicelib.store.models import EventItem, StateItem

    def keys(props):
        types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
        return sorted(((k["AttributeName"], k["KeyType"], types[k["AttributeName"]])
                       for k in props["KeySchema"]), key=lambda k: k[1])

    events, state = resources["EventsTable"], resources["StateTable"]
    for table in (events, state):
        assert table["Type"] == "AWS::DynamoDB::Table"
        assert table["Properties"]["BillingMode"] == "PAY_PER_REQUEST"
        assert table["DeletionPolicy"] == "Retain"
    assert keys(events["Properties"]) == [("stream", "HASH", "S"), ("version", "RANGE", "N")]
    assert keys(state["Properties"]) == [("pk", "HASH", "S"), ("sk", "RANGE", "S")]
    # Every index the models query, with the same keys and projection.
    declared = {i["IndexName"]: i for i in state["Properties"]["GlobalSecondaryIndexes"]}
    models = {i.Meta.index_name: i for i in (StateItem.due, StateItem.listing, StateItem.alive)}
    assert set(declared) == set(models)
    for name, index in models.items():
        schema = index._get_schema()
        assert keys({"KeySchema": declared[name]["KeySchema"],
                     "AttributeDefinitions": state["Properties"]["AttributeDefinitions"]}) == \
            keys({"KeySchema": schema["key_schema"],
                  "AttributeDefinitions": schema["attribute_definitions"]}), name
        assert declared[name]["Projection"] == schema["projection"], name
    # The names config.json gives `chalice deploy` are the ones the template creates.
    config = json.loads((ROOT / ".chalice/config.json").read_text())
    env = config["stages"][STAGE]["environment_variables"]
    assert _dev(events["Properties"]["TableName"]) == env["CORRAL_EVENTS_TABLE"]
    assert _dev(state["Properties"]["TableName"]) == env["CORRAL_STATE_TABLE"]
    assert {EventItem.Meta.billing_mode, StateItem.Meta.billing_mode} == {"PAY_PER_REQUEST"}


def test_the_work_queue_outlives_the_worker_and_dead_letters_after_five_receives(resources):
    from local.stack import MAX_RECEIVES

    queue, dlq = resources["WorkQueue"], resources["WorkDeadLetterQueue"]
    assert queue["Type"] == dlq["Type"] == "AWS::SQS::Queue"
    worker = _functions(resources)[WORKER_HANDLER]
    assert worker["Timeout"] == 120
    assert queue["Properties"]["VisibilityTimeout"] >= VISIBILITY_MARGIN * worker["Timeout"]
    redrive = queue["Properties"]["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["WorkDeadLetterQueue", "Arn"]}
    assert redrive["maxReceiveCount"] == MAX_RECEIVES
    assert dlq["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_the_worker_consumes_the_work_queue_one_message_at_a_time(resources):
    worker = _functions(resources)[WORKER_HANDLER]
    (source,) = [e for e in worker["Events"].values() if e["Type"] == "SQS"]
    # By reference, not by name: the mapping is created after the queue, and it is this
    # stack's queue (the handler's `corral-work` is only the local emulator's name).
    assert source["Properties"]["Queue"] == {"Fn::Sub": "${WorkQueue.Arn}"}
    assert source["Properties"]["BatchSize"] == 1


def test_every_function_runs_on_the_pinned_python(resources):
    """The runtime is the merge template's, the Makefile's Python, whichever Python ran
    chalice (which would otherwise name its own)."""
    version = re.search(r"^PYTHON_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M)[1]
    functions = _functions(resources)
    assert len(functions) == 4
    assert {p["Runtime"] for p in functions.values()} == {f"python{version}"}


def test_the_tick_runs_every_minute(resources):
    tick = _functions(resources)[TICK_HANDLER]
    (schedule,) = [e for e in tick["Events"].values() if e["Type"] == "Schedule"]
    assert schedule["Properties"]["Schedule"] == "rate(1 minute)"
    assert tick["Timeout"] <= 60


def test_the_jwt_secret_is_generated_64_characters_long(resources):
    secret = resources["JwtSigningSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    generate = secret["Properties"]["GenerateSecretString"]
    assert generate["PasswordLength"] == 64 and generate["ExcludePunctuation"] is True
    assert "SecretString" not in secret["Properties"]


def test_every_function_is_wired_to_this_stacks_tables_queue_and_secret(resources):
    functions = _functions(resources)
    assert {"app.app", WORKER_HANDLER, TICK_HANDLER} <= set(functions)
    for handler, props in functions.items():
        variables = props["Environment"]["Variables"]
        for name, resource in WIRED_ENV.items():
            assert variables.get(name) == {"Ref": resource}, f"{handler}: {name}"
        # The platform is the account the stack is in (never the emulator's 481633624848);
        # the public URL, the sender and the listing are the operator's parameters.
        assert variables["CORRAL_PLATFORM_ACCOUNT_ID"] == {"Ref": "AWS::AccountId"}, handler
        for name, parameter in DEPLOYMENT_PARAMETERS.items():
            assert variables[name] == {"Ref": parameter}, f"{handler}: {name}"
        assert "CORRAL_JWT_SECRET" not in variables
        # Every setting a deployed function checks at start is there.
        assert set(DEPLOYED) <= set(variables), set(DEPLOYED) - set(variables)


def test_the_deployment_parameters_have_no_default_but_the_listing(package):
    """scripts/deploy (and CloudFormation) ask for the public URL and the sender; an empty
    product code means no Marketplace listing."""
    parameters = package[1]["Parameters"]
    for name in ("PublicUrl", "MailFrom"):
        assert "Default" not in parameters[name] and parameters[name]["AllowedPattern"], name
    assert parameters["MarketplaceProductCode"]["Default"] == ""
    url = parameters["PublicUrl"]["AllowedPattern"]
    assert re.fullmatch(url, "https://corral.example.com")
    assert re.fullmatch(url, "https://abc123.execute-api.us-east-1.amazonaws.com/api")
    assert not re.fullmatch(url, "http://corral.example.com")
    assert not re.fullmatch(url, "https://corral.example.com/?next=x")
    sender = parameters["MailFrom"]["AllowedPattern"]
    assert re.fullmatch(sender, "Corral <no-reply@example.com>")
    assert not re.fullmatch(sender, "Corral")


def test_the_roles_grant_what_the_stack_creates(resources):
    """Each function's role carries .chalice/policy-dev.json, which must name the physical
    resources the template creates for Stage=dev (and prod's file the same for prod)."""
    policy_text = (ROOT / f".chalice/policy-{STAGE}.json").read_text()
    prod = (ROOT / ".chalice/policy-prod.json").read_text()
    assert prod == policy_text.replace(f"-{STAGE}-", "-prod-"), "policy files drifted apart"
    roles = [r for r in resources.values() if r["Type"] == "AWS::IAM::Role"]
    assert roles
    for role in roles:
        assert role["Properties"]["Policies"][0]["PolicyDocument"] == json.loads(policy_text)
    granted = {(action, res) for s in json.loads(policy_text)["Statement"]
               for action in s["Action"]
               for res in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])}

    def allows(action: str, arn: str) -> bool:
        return any(a == action and re.fullmatch(re.escape(r).replace(r"\*", ".*"), arn)
                   for a, r in granted)

    props = {k: v["Properties"] for k, v in resources.items() if "Properties" in v}
    account = "arn:aws:{}:us-east-1:111122223333:{}".format

    def table(key: str) -> str:
        return account("dynamodb", f"table/{_dev(props[key]['TableName'])}")

    for action in ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                   "dynamodb:Query"):
        assert allows(action, table("StateTable")), action
    assert allows("dynamodb:DeleteItem", table("StateTable"))       # removing revoked keys
    assert not allows("dynamodb:DeleteItem", table("EventsTable"))  # events are never deleted
    assert allows("dynamodb:PutItem", table("EventsTable"))
    assert allows("dynamodb:Query", table("EventsTable"))
    for index in ("due", "listing", "live"):
        assert allows("dynamodb:Query", table("StateTable") + f"/index/{index}")
    assert allows("dynamodb:BatchGetItem", table("StateTable"))
    assert not allows("dynamodb:Scan", table("StateTable"))
    queue = account("sqs", _dev(props["WorkQueue"]["QueueName"]))
    for action in ("sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
                   "sqs:GetQueueAttributes"):
        assert allows(action, queue), action
    secret = account("secretsmanager",
                     f"secret:{_dev(props['JwtSigningSecret']['Name'])}-AbCdEf")
    assert allows("secretsmanager:GetSecretValue", secret)
    assert allows("sts:AssumeRole", "arn:aws:iam::123456789012:role/BodoPlatformUser")
    assert not allows("sts:AssumeRole", "arn:aws:iam::123456789012:role/Admin")
    assert allows("ec2:ModifyImageAttribute", "arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0")
    assert allows("ec2:DescribeImages", "*")
    assert allows("logs:PutLogEvents", account("logs", "log-group:/aws/lambda/x:log-stream:y"))


def test_marketplace_notices_reach_the_platform_both_ways(package, resources):
    """The SNS topics of the product post to the API's notifications route; the EventBridge
    rule (in us-east-1, where AWS Marketplace sends its events) invokes the marketplace
    function, with a dead-letter queue for what fails; both know the product code, and the
    replay window's rows expire through the state table's TTL."""
    from chalicelib.kernel.config import Settings
    from chalicelib.store.models import StateItem
    from chalicelib.subscriptions import notices
    from chalicelib.subscriptions.routes import NOTIFICATIONS_PATH

    template = package[1]
    parameter = template["Parameters"]["MarketplaceProductCode"]
    assert parameter["Type"] == "String" and parameter["Default"] == ""
    (logical,) = [k for k, r in resources.items()
                  if r["Properties"].get("Handler") == MARKETPLACE_HANDLER]
    product = {"Ref": "MarketplaceProductCode"}
    assert resources[logical]["Properties"]["Environment"]["Variables"][
        "CORRAL_MARKETPLACE_PRODUCT_CODE"] == product
    assert _functions(resources)["app.app"]["Environment"]["Variables"][
        "CORRAL_MARKETPLACE_PRODUCT_CODE"] == product
    fields = Settings.__dataclass_fields__
    account = fields["marketplace_topic_account"].default
    region = fields["marketplace_topic_region"].default
    subscribed = {r["Properties"]["TopicArn"]["Fn::Sub"]: r for r in resources.values()
                  if r["Type"] == "AWS::SNS::Subscription"
                  and r["Properties"]["Protocol"] == "https"}
    assert set(subscribed) == {f"arn:aws:sns:{region}:{account}:{topic}-${{MarketplaceProductCode}}"
                               for topic in (notices.SUBSCRIPTION_TOPIC, notices.ENTITLEMENT_TOPIC)}
    for sub in subscribed.values():
        assert sub["Condition"] == "HasMarketplaceProduct"
        props = sub["Properties"]
        assert (props["Protocol"], props["Region"]) == ("https", region)
        assert props["Endpoint"]["Fn::Sub"].startswith("https://${RestAPI}.execute-api.")
        assert props["Endpoint"]["Fn::Sub"].endswith(f"/api{NOTIFICATIONS_PATH}")
    rule = resources["MarketplaceEventsRule"]
    assert rule["Type"] == "AWS::Events::Rule" and rule["Condition"] == "ReceivesMarketplaceEvents"
    assert rule["Properties"]["EventPattern"] == {"source": [notices.SOURCE],
                                                  "detail-type": list(notices.DETAIL_TYPES)}
    (target,) = rule["Properties"]["Targets"]
    dlq = {"Fn::GetAtt": ["MarketplaceEventsDeadLetterQueue", "Arn"]}
    assert target["Arn"] == {"Fn::GetAtt": [logical, "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": dlq}
    permission = resources["MarketplaceEventsPermission"]["Properties"]
    assert (permission["FunctionName"], permission["Principal"], permission["SourceArn"]) == (
        {"Ref": logical}, "events.amazonaws.com", {"Fn::GetAtt": ["MarketplaceEventsRule", "Arn"]})
    invoke = resources["MarketplaceEventsInvokeConfig"]["Properties"]
    assert invoke["FunctionName"] == {"Ref": logical}
    assert invoke["DestinationConfig"] == {"OnFailure": {"Destination": dlq}}
    queue = _dev(resources["MarketplaceEventsDeadLetterQueue"]["Properties"]["QueueName"])
    policy = json.loads((ROOT / f".chalice/policy-{STAGE}.json").read_text())
    assert any("sqs:SendMessage" in s["Action"] and f"arn:aws:sqs:*:*:{queue}" in s["Resource"]
               for s in policy["Statement"])
    ttl = resources["StateTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": StateItem.expires_at.attr_name, "Enabled": True}


def test_the_stages_differ_only_by_name_and_local_sets_no_environment():
    """`local` is what chalice.test.Client(app, stage_name="local") loads: it must not put
    anything in the environment the tests and the local runner set themselves."""
    stages = json.loads((ROOT / ".chalice/config.json").read_text())["stages"]
    assert "environment_variables" not in stages["local"]
    assert json.dumps(stages["prod"]) == re.sub(r"-dev\b", "-prod", json.dumps(stages["dev"]))
    assert stages["dev"]["autogen_policy"] is False
    assert stages["dev"]["lambda_functions"]["on_work"]["lambda_timeout"] == 120
    assert (int(stages["dev"]["environment_variables"]["CORRAL_STEP_LEASE_SECONDS"])
            > stages["dev"]["lambda_functions"]["on_work"]["lambda_timeout"])


# ---- the package runs on its own ----------------------------------------------------------

PROBE = """
import importlib, json, sys
import app
from app import app as chalice_app
from chalicelib.identity import tokens
tokens.jwt()   # PyJWT is imported on the first token made or checked
handlers = {}
for handler in sys.argv[1:]:
    module, _, name = handler.rpartition(".")
    handlers[handler] = callable(getattr(importlib.import_module(module), name))
mods = {m: getattr(sys.modules[m], "__file__", None) for m in
        ("app", "chalicelib", "handlers", "handlers.worker", "handlers.tick",
         "handlers.marketplace", "chalice", "pynamodb", "jwt")}
try:
    import local
    local_found = local.__file__
except ImportError:
    local_found = None
print(json.dumps({"routes": sorted(chalice_app.routes), "handlers": handlers, "modules": mods,
                  "local": local_found, "path": sys.path}))
"""


def test_the_app_imports_from_the_unzipped_package_alone(package, resources, tmp_path):
    unzipped = tmp_path / "task"  # Lambda's /var/task
    with zipfile.ZipFile(package[0] / "deployment.zip") as z:
        z.extractall(unzipped)
    site_packages = sysconfig.get_paths()["purelib"]
    run = subprocess.run(
        [sys.executable, "-c", PROBE, *sorted(_functions(resources))],
        cwd=unzipped, capture_output=True, text=True, timeout=120,
        env=quiet_env(PYTHONPATH=os.pathsep.join([str(unzipped), site_packages]),
                       PYTHONDONTWRITEBYTECODE="1"))
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert "/v1/clusters" in found["routes"]
    assert found["handlers"] == {h: True for h in _functions(resources)}
    for module, path in found["modules"].items():
        assert path and Path(path).is_relative_to(unzipped), f"{module} came from {path}"
    assert found["local"] is None
    assert str(ROOT) not in found["path"]


START = "import app; from handlers import worker, tick, marketplace; print('started')"


@pytest.mark.parametrize("missing", [None, "CORRAL_PUBLIC_URL", "CORRAL_MAIL_FROM",
                                     "CORRAL_WORK_QUEUE_URL", "CORRAL_PLATFORM_ACCOUNT_ID"])
def test_a_deployed_function_starts_only_with_its_settings(package, tmp_path, missing):
    """On Lambda (AWS_LAMBDA_FUNCTION_NAME set), importing the app with a setting missing
    fails at once, naming it, instead of running on local mode's defaults."""
    unzipped = tmp_path / "task"
    with zipfile.ZipFile(package[0] / "deployment.zip") as z:
        z.extractall(unzipped)
    settings = {"CORRAL_STATE_TABLE": "corral-dev-state", "CORRAL_EVENTS_TABLE": "corral-dev-events",
                "CORRAL_WORK_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/111122223333/corral-dev-work",
                "CORRAL_JWT_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:corral-dev-jwt-AbCdEf",
                "CORRAL_PLATFORM_ACCOUNT_ID": "111122223333",
                "CORRAL_PUBLIC_URL": "https://corral.example.com",
                "CORRAL_MAIL_FROM": "Corral <no-reply@example.com>",
                "CORRAL_MARKETPLACE_PRODUCT_CODE": ""}
    assert set(settings) == set(DEPLOYED)
    settings.pop(missing, None)
    site_packages = sysconfig.get_paths()["purelib"]
    run = subprocess.run(
        [sys.executable, "-c", START], cwd=unzipped, capture_output=True, text=True, timeout=120,
        env=quiet_env(PYTHONPATH=os.pathsep.join([str(unzipped), site_packages]),
                      PYTHONDONTWRITEBYTECODE="1", AWS_LAMBDA_FUNCTION_NAME="corral-dev",
                      **settings))
    if missing is None:
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip().endswith("started")
    else:
        assert run.returncode != 0
        assert "ConfigurationError: Corral cannot start:" in run.stderr, run.stderr
        assert f"{missing} ({DEPLOYED[missing]}) is not set" in run.stderr


# ---- operations ---------------------------------------------------------------------------

def _alarmed(resources: dict) -> dict:
    return {json.dumps(r["Properties"]["Dimensions"]): r for r in resources.values()
            if r["Type"] == "AWS::CloudWatch::Alarm" and "Dimensions" in r["Properties"]}


def test_dead_letters_and_function_errors_raise_alarms_to_the_stacks_topic(resources):
    alarms = _alarmed(resources)
    for dlq in ("WorkDeadLetterQueue", "MarketplaceEventsDeadLetterQueue"):
        [alarm] = [a for k, a in alarms.items() if dlq in k]
        props = alarm["Properties"]
        assert props["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert props["Threshold"] == 1 and props["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    function_alarms = [a for a in resources.values() if a["Type"] == "AWS::CloudWatch::Alarm"
                       and a["Properties"].get("Namespace") == "AWS/Lambda"]
    lambdas = [k for k, r in resources.items() if r["Type"] == "AWS::Serverless::Function"]
    assert sorted(a["Properties"]["Dimensions"][0]["Value"]["Ref"] for a in function_alarms) \
        == sorted(lambdas)
    stale = resources["StaleUsageReportMetric"]["Properties"]
    assert "ALERT usage-report-stale" in stale["FilterPattern"]     # usage/report.py's line
    from chalicelib.usage import report
    assert report.__doc__ and "ALERT usage-report-stale" in report.__doc__


def test_every_function_keeps_its_logs_for_the_retention_asked(resources):
    lambdas = [k for k, r in resources.items() if r["Type"] == "AWS::Serverless::Function"]
    groups = {r["Properties"]["LogGroupName"]["Fn::Sub"]: r for r in resources.values()
              if r["Type"] == "AWS::Logs::LogGroup"}
    assert set(groups) == {f"/aws/lambda/${{{name}}}" for name in lambdas}
    assert all(g["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
               for g in groups.values())


def test_a_burst_is_bounded_and_what_holds_state_is_kept(resources):
    [source] = [e for r in resources.values() if r["Type"] == "AWS::Serverless::Function"
                for e in r["Properties"].get("Events", {}).values() if e["Type"] == "SQS"]
    assert source["Properties"]["ScalingConfig"] == {"MaximumConcurrency":
                                                     {"Ref": "WorkerConcurrency"}}
    [api] = [r for r in resources.values() if r["Type"] == "AWS::Serverless::Api"]
    [throttle] = api["Properties"]["MethodSettings"]
    assert (throttle["ThrottlingRateLimit"], throttle["ThrottlingBurstLimit"]) == (
        {"Ref": "ApiRateLimit"}, {"Ref": "ApiBurstLimit"})
    for name in ("StateTable", "EventsTable"):
        table = resources[name]
        assert table["Properties"]["DeletionProtectionEnabled"] is True
        assert table["Properties"]["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": True}
    for name in ("StateTable", "EventsTable", "WorkQueue", "WorkDeadLetterQueue",
                 "MarketplaceEventsDeadLetterQueue", "JwtSigningSecret"):
        assert (resources[name]["DeletionPolicy"], resources[name]["UpdateReplacePolicy"]) == (
            "Retain", "Retain"), name

