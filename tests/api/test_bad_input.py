"""Bad HTTP input (issue 8) gets a 4xx that names what is wrong and repeats nothing it should
not, never a 500 and never a value that breaks the platform later: JSON nested thousands of
levels deep, lone surrogates, tags AWS would refuse, a name with a trailing newline, IP lists
holding numbers or zone ids, and paths no route serves."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chalicelib.api import http, validate
from chalicelib.api.http import ApiError

ROOT = Path(__file__).resolve().parents[2]
UUID = "6f1c1c2e-9d1a-4a43-8e0a-3b8b0f0e8a11"
GOOD_CLUSTER = {"name": "ok", "instanceType": "c5.2xlarge", "workersQuantity": 1}
DEEP_ARRAYS = "[" * 3000 + "]" * 3000
DEEP_OBJECTS = '{"a":' * 3000 + "1" + "}" * 3000
DEEP_INSIDE = '{"name": "x", "clientId": ' + "[" * 3000 + "]" * 3000 + "}"


@pytest.fixture(scope="module")
def platform(shared_platform):
    """Every request of this module is refused or reads, but one that undoes what it did."""
    return shared_platform


@pytest.fixture(scope="module")
def keys(platform):
    return {"ws": platform.headers(),
            "org": platform.headers(platform.demo.org_client_id, platform.demo.org_secret),
            "none": {"Content-Type": "application/json"}}


def _concrete(path: str, platform=None) -> str:
    """The path with its parameters filled: with the demo's own ids when `platform` is given
    (for requests refused before they act), else with an id nothing has."""
    ids = {"ws_uuid": platform.demo.workspace.uuid,
           "cc_uuid": platform.demo.organization.cloud_config_uuid} if platform else {}
    return re.sub(r"\{([^}]+)\}", lambda m: ids.get(m.group(1), UUID), path)


def _real_routes():
    from app import app
    for path, entries in sorted(app.routes.items()):
        if "{segment1}" in path:
            continue
        for method in sorted(entries):
            yield method, path


class _Request:
    def __init__(self, raw: bytes):
        self.raw_body = raw


# ---- 1. JSON nested deeper than the bound ----------------------------------------------------

# The routes that read a JSON body, with the key that gets them as far as reading it.
JSON_ROUTES = [
    ("POST", "/identity/resources/auth/v2/api-token", "none"),
    ("POST", "/v1/clusters", "ws"),
    ("POST", "/v1/workspaces", "org"),
    ("POST", "/v1/api-keys", "org"),
    ("POST", "/v1/workspaces/{ws_uuid}/api-tokens", "org"),
    ("POST", "/v1/cloud-configs", "org"),
    ("PUT", "/v1/cloud-configs/{cc_uuid}", "org"),
    ("PUT", "/v1/settings/aws-account", "org"),
    ("POST", "/v1/settings/aws-account/create-role", "org"),
]


@pytest.mark.parametrize("raw", [DEEP_ARRAYS, DEEP_OBJECTS, DEEP_INSIDE],
                         ids=["arrays", "objects", "inside-an-object"])
@pytest.mark.parametrize("method, path, who", JSON_ROUTES)
def test_deep_json_is_a_400_on_every_json_route(platform, keys, method, path, who, raw):
    reply = platform.request(method, _concrete(path, platform), raw, headers=keys[who])
    assert reply.status_code == 400, (method, path, reply.status_code, reply.body[:200])
    assert reply.json_body["error"] == "ValidationError"
    assert "nested too deeply" in reply.json_body["message"]
    assert str(http.MAX_JSON_DEPTH) in reply.json_body["message"]


def test_no_route_answers_deep_json_with_a_500(platform, keys):
    """Whatever the route and the key (ids nothing has: no request acts on the demo)."""
    assert {(m, p) for m, p, _ in JSON_ROUTES} <= set(_real_routes())
    for method, path in _real_routes():
        if method not in ("POST", "PUT", "PATCH", "DELETE"):
            continue
        for who in ("none", "ws", "org"):
            reply = platform.request(method, _concrete(path), DEEP_OBJECTS, headers=keys[who])
            assert reply.status_code < 500, (method, path, who, reply.body[:200])


def test_nesting_up_to_the_bound_is_read_and_one_more_is_refused(platform):
    demo = platform.demo

    def exchange(depth: int):
        inner = "[" * (depth - 1) + "]" * (depth - 1)    # the object itself is one level
        raw = json.dumps({"clientId": demo.ws_client_id, "secret": demo.ws_secret})
        raw = raw[:-1] + f', "junk": {inner}}}'
        return platform.http.post("/identity/resources/auth/v2/api-token",
                                  headers={"Content-Type": "application/json"}, body=raw)

    assert exchange(http.MAX_JSON_DEPTH).status_code == 200
    reply = exchange(http.MAX_JSON_DEPTH + 1)
    assert reply.status_code == 400 and "nested too deeply" in reply.json_body["message"]


def test_brackets_inside_strings_are_not_nesting():
    text = json.dumps({"a": "[" * 500 + '\\"{' * 100, "b": ["]]]}}}"]})
    assert http.body(_Request(text.encode())) == json.loads(text)
    assert http.body(_Request(text.encode("utf-16"))) == json.loads(text)   # as json.loads


def test_a_recursion_error_is_a_400_too(monkeypatch):
    """The parser's own limit, should the bound ever be set above it."""
    monkeypatch.setattr(http, "MAX_JSON_DEPTH", 10**6)
    with pytest.raises(ApiError) as e:
        http.body(_Request(("[" * 30_000 + "]" * 30_000).encode()))
    assert e.value.status == 400 and "nested too deeply" in e.value.message


# ---- lone surrogates, anywhere in a body ---------------------------------------------------

@pytest.mark.parametrize("raw, field", [
    ('{"name": "\\ud800"}', "name"),
    ('{"name": "ok\\udfff"}', "name"),
    ('{"customTags": {"team": "\\ud800"}}', "customTags"),
    ('{"customTags": {"\\udc00": "x"}}', "customTags"),
    ('{"allowedIps": ["\\ud800"]}', "allowedIps"),
    ('{"description": "a \\ud83d b"}', "description"),         # half of a pair
])
def test_a_lone_surrogate_is_a_400_naming_the_field(platform, raw, field):
    body = json.loads(raw)
    reply = platform.request("POST", "/v1/clusters", json.dumps({**GOOD_CLUSTER, **body}))
    assert reply.status_code == 400, reply.body
    assert reply.json_body["field"] == field
    assert "surrogate" in reply.json_body["message"]


def test_a_lone_surrogate_in_raw_utf8_or_in_a_key_is_refused_and_a_pair_is_text():
    with pytest.raises(ApiError) as e:
        http.body(_Request(b'{"name": "\xed\xa0\x80"}'))               # UTF-8 of U+D800
    assert e.value.status == 400 and e.value.field == "name"
    with pytest.raises(ApiError) as e:
        http.body(_Request(b'{"\\ud800": 1}'))
    assert e.value.status == 400
    assert http.body(_Request(b'{"name": "\\ud83d\\ude00"}')) == {"name": "\U0001F600"}


# ---- 3. tags as AWS takes them -------------------------------------------------------------

@pytest.mark.parametrize("tags", [
    {"team": "a\nb"},                     # a control character
    {"team": "a\tb"},
    {"team": "a\u2028b"},                # a line separator
    {"team": "<script>"},
    {"team": "x;y"},
    {"bad key!": "x"},
    {"": "x"},
    {"k" * 129: "x"},
    {"team": "v" * 257},
    {"team": 1},
    {"team": None},
    {"aws:x": "y"},
    {"AWS:x": "y"},
    {"corral:org": "y"},
    {"Name": "y"},
])
def test_tags_aws_would_refuse_are_a_400(platform, tags):
    reply = platform.request("POST", "/v1/clusters", {**GOOD_CLUSTER, "customTags": tags})
    assert reply.status_code == 400, (tags, reply.body)
    assert reply.json_body["field"] == "customTags"


def test_tags_read_by_validate_refuse_a_lone_surrogate_themselves():
    """Not only body(): the reader refuses it in a dict built any other way."""
    for tags in ({"team": "\ud800"}, {"\udfff": "x"}):
        with pytest.raises(ApiError) as e:
            validate.tags({"customTags": tags}, "customTags")
        assert e.value.field == "customTags"


def test_a_workspace_refuses_the_same_tags(platform, keys):
    body = {"name": "w", "region": "us-east-1",
            "cloudConfig": {"uuid": platform.demo.organization.cloud_config_uuid}}
    for tags in ({"team": "a\nb"}, {"aws:x": "y"}, {"team": "v" * 257}):
        reply = platform.request("POST", "/v1/workspaces", {**body, "customTags": tags},
                                 headers=keys["org"])
        assert reply.status_code == 400 and reply.json_body["field"] == "customTags", reply.body
    reply = platform.request("POST", "/v1/workspaces",
                             json.dumps(body)[:-1] + ', "customTags": {"t": "\\ud800"}}',
                             headers=keys["org"])
    assert reply.status_code == 400 and reply.json_body["field"] == "customTags"


def test_tags_aws_takes_reach_the_instances(platform):
    """Unicode letters and digits, spaces and _ . : / = + - @, an empty value, the longest key
    and value: accepted, and botocore sends them to EC2. (The cluster is removed after.)"""
    tags = {"Équipe": "Données 数据 ١٢٣\u00a0x", "path": "a_b.c:d/e=f+g-h@i", "empty": "",
            "k" * 128: "v" * 256}
    cluster = platform.create_cluster(name="tagged", workersQuantity=1, customTags=tags)
    try:
        assert cluster["customTags"] == tags
        platform.settle()
        assert platform.cluster(cluster["uuid"])["status"] == "RUNNING"
        (instance,) = platform.customer_instances(cluster["uuid"])
        on_ec2 = {t["Key"]: t["Value"] for t in instance["Tags"]}
        assert tags.items() <= on_ec2.items()
    finally:
        platform.request("DELETE", f"/v1/clusters/{cluster['uuid']}")
        platform.settle()
    assert platform.cluster(cluster["uuid"])["status"] == "TERMINATED"


# ---- 4. patterns match the whole value -----------------------------------------------------

@pytest.mark.parametrize("name", ["c1\n", "c1\r\n", "\nc1", "c1\n\n", "c1\u2028"])
def test_a_name_with_a_newline_is_refused(platform, keys, name):
    reply = platform.request("POST", "/v1/clusters", {**GOOD_CLUSTER, "name": name})
    assert reply.status_code == 400 and reply.json_body["field"] == "name", reply.body
    body = {"name": name, "region": "us-east-1",
            "cloudConfig": {"uuid": platform.demo.organization.cloud_config_uuid}}
    reply = platform.request("POST", "/v1/workspaces", body, headers=keys["org"])
    assert reply.status_code == 400 and reply.json_body["field"] == "name", reply.body


def test_patterns_are_full_matches():
    assert validate.NAME.match("c1\n") is None and validate.NAME.fullmatch("c1 ok") is not None
    assert validate.is_name("c1") and not validate.is_name("c1\n") and not validate.is_name(5)
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me"
    assert validate.SSH_KEY.match(key) and not validate.SSH_KEY.match(key + "\n")
    # string() takes the whole value even with a pattern written with $ elsewhere.
    with pytest.raises(ApiError) as e:
        validate.string({"x": "abc\n"}, "x", pattern=re.compile(r"^[a-z]+$"))
    assert e.value.field == "x"
    assert validate.string({"x": "abc"}, "x", pattern=re.compile(r"^[a-z]+$")) == "abc"


# ---- 5. allowed IPs: strings that are addresses or CIDR blocks -----------------------------

@pytest.mark.parametrize("item", [
    0, 3232235777, True, None, 1.5, ["10.0.0.0/8"], {"ip": "10.0.0.1"},
    "fe80::1%eth0", "fe80::1%1", "fe80::/64%eth0", " 10.0.0.1", "10.0.0.1 ", "10.0.0.1\n",
    "10.0.0.1/", "10.0.0.1/33", "10.0.0.1/8/8", "", "localhost", "١٠.0.0.1", "10.0.0.1/٨",
])
def test_an_allowed_ip_that_is_not_an_address_string_is_a_400(platform, item):
    reply = platform.request("POST", "/v1/clusters", {**GOOD_CLUSTER, "allowedIps": [item]})
    assert reply.status_code == 400, (item, reply.body)
    assert reply.json_body["field"] == "allowedIps"


def test_cidrs_refuse_a_lone_surrogate_themselves_and_keep_good_blocks():
    with pytest.raises(ApiError) as e:
        validate.cidrs({"ips": ["10.0.0.1\ud800"]}, "ips")
    assert e.value.field == "ips" and "\ud800" not in e.value.message
    got = validate.cidrs({"ips": ["10.0.0.1", "10.1.2.3/16", "2001:DB8::/32", "::1",
                                  "10.0.0.1/32"]}, "ips")
    assert got == ("10.0.0.1/32", "10.1.0.0/16", "2001:db8::/32", "::1/128")


# ---- 6. a path no route serves -------------------------------------------------------------

UNKNOWN_PATHS = ["/nopeq", "/v1/nopeq", "/v1/clusters/xq/yq", "/v2/clusters/aq/bq/cq/nopeq",
                 "/identity/resources/auth/v3/api-token", "/" + "/".join(["nopeq"] * 12)]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_an_unknown_route_is_a_json_404_that_repeats_nothing(platform, keys, method):
    token = keys["ws"]["Authorization"].split()[1]
    for path in UNKNOWN_PATHS:
        reply = platform.request(method, path + "?q=marker-in-query", '{"b": "marker-in-body"}',
                                 headers={**keys["ws"], "X-Marker": "marker-in-header"})
        assert reply.status_code == 404, (method, path, reply.status_code, reply.body[:300])
        assert reply.headers["Content-Type"] == "application/json"
        assert reply.json_body == {"error": "NotFound",
                                   "message": "No such route: check the method and the path."}
        text = reply.body.decode()
        for echoed in (token, "Bearer", "marker", "nopeq", "v3"):
            assert echoed not in text, (method, path, echoed)


@pytest.mark.parametrize("auth", [None, "Bearer x.y.z", "Basic dXNlcjpwYXNz", "Bearer"])
def test_an_unknown_route_without_valid_credentials_is_a_401_that_repeats_nothing(platform,
                                                                                   auth):
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = auth
    for path in UNKNOWN_PATHS:
        reply = platform.request("GET", path, headers=headers)
        assert reply.status_code == 401, (path, reply.status_code, reply.body[:300])
        assert reply.json_body["error"] == "Unauthorized"
        if auth:
            assert auth.split()[-1] not in reply.body.decode()


def test_the_catch_all_shadows_no_real_route(platform, keys):
    """Every route the app serves still answers for itself, whatever the key."""
    from app import UNKNOWN_ROUTE_MESSAGE
    for method, path in _real_routes():
        for who in ("none", "ws", "org"):
            reply = platform.request(method, _concrete(path), "{}", headers=keys[who])
            text = reply.body.decode(errors="replace")
            assert UNKNOWN_ROUTE_MESSAGE not in text, (method, path, who, reply.status_code)
    # A real route with a method it does not serve stays Chalice's 405.
    assert platform.request("PATCH", "/v1/clusters", "{}", headers=keys["ws"]).status_code == 405


def test_the_deployed_api_answers_an_unknown_route_with_the_same_json_404():
    """API Gateway answers unknown paths itself (MISSING_AUTHENTICATION_TOKEN, 403, echoing the
    Authorization header): the merge template, merged into the API's OpenAPI body, makes it a
    static JSON 404. No template variable: nothing of the request reaches the body."""
    template = json.loads((ROOT / ".chalice/merge-template.json").read_text())
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    response = body["x-amazon-apigateway-gateway-responses"]["MISSING_AUTHENTICATION_TOKEN"]
    assert response["statusCode"] == "404"
    assert response["responseParameters"] == {
        "gatewayresponse.header.Content-Type": "'application/json'"}
    (reply,) = response["responseTemplates"].values()
    assert "$" not in reply
    from app import UNKNOWN_ROUTE_MESSAGE
    assert json.loads(reply) == {"error": "NotFound", "message": UNKNOWN_ROUTE_MESSAGE}
