"""4. Hostile input to the simulator: a schema-driven fuzzer, authentication and isolation.

The fuzzer (Hypothesis) draws requests from the request schemas of docs/api-schema.json (valid
values, with the ids, names and catalogue entries that exist, so that requests get past
validation too) and then breaks them: a field replaced by a hostile value, an unknown field, a
required field dropped, a body that is no JSON object or no JSON at all, a body over 2 MiB, an
unknown route, GET instead of POST; with a valid token of either user, none, a garbage one or a
revoked one. Every answer is checked against the contract; the stored systems (the control
API's ListAllSystems) must not change unless a mutating request was accepted.
"""

import json
import os
import secrets
import time

import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from reliability.contract import BODY_LIMIT, Contract
from reliability.simulator import API_PATH, MUTATING_METHODS, Simulator

CLEAN_CASES = 2000
FAULT_CASES = 500
# The fault phase: only answers the fuzzer can tell apart (no drops, no latency).
FAULTS = {"unavailable_rate": 0.1, "resource_exhausted_rate": 0.1, "retry_after_seconds": 3}
# Lifecycle transitions never fall due during the run (durations / 0.0001), nor idle deadlines,
# so the stored data changes only through requests.
FROZEN_SPEED = 0.0001
VALID_TOKENS = ("demo", "other")
MAX_REPORTED = 25
THROWAWAY_TOKENS = 80


def canonical(systems):
    return json.dumps(sorted(systems, key=lambda system: system["id"]), sort_keys=True)


class World:
    """The simulator under fuzz, what exists in it, and what the fuzzer found."""

    def __init__(self, context, sim, contract):
        self.context = context
        self.sim = sim
        self.contract = contract
        self.tokens = {user: sim.login(user) for user in VALID_TOKENS}
        self.users = {user: self._user_id(user) for user in VALID_TOKENS}
        revoked = sim.login("demo")
        sim.call("AuthService/Logout", {}, revoked).raise_for_status()
        self.revoked_token = revoked
        # Logout revokes the token it is sent with: the fuzzer's logouts spend these, not the fixtures'.
        self.throwaway_tokens = {user: [sim.login(user) for _count in range(THROWAWAY_TOKENS)] for user in VALID_TOKENS}
        self.ids = {"demo": [], "other": []}
        self.names = []
        self._make_systems()
        self.hints = self._hints()
        self.baseline = canonical(sim.all_systems())
        self.cases = 0
        self.requests = 0
        self.statuses = {}
        self.fivexx = 0
        self.injected = {"unavailable": 0, "resource_exhausted": 0}
        self.violations = []
        self.faults_on = False

    def _user_id(self, user):
        key_id, secret = self.context.credentials[user]
        answer = self.sim.call("AuthService/Login", {"api_key_id": key_id, "api_secret_key": secret})
        return answer.json()["user"]["id"]

    def _make_systems(self):
        """Systems of both users in every stable status and a transitional one, for ids that exist."""
        plan = [("demo", "started", "dai"), ("demo", "stopped", "dai"), ("demo", "failed", "dai"),
                ("demo", "started", "h2o3"), ("demo", "provisioning", "dai"), ("other", "started", "dai"),
                ("other", "stopped", "h2o3")]
        for index, (user, status, product) in enumerate(plan):
            name = "fuzz-%s-%d" % (user, index)
            version = "1.11.1" if product == "dai" else "3.46.0.1"
            answer = self.sim.call("SystemService/CreateSystem", {
                "name": name, "cloud": "aws", "product": product, "version": version,
                "instance_type_name": "m5.xlarge", "tags": [{"name": "project", "value": "fuzz"}]}, self.tokens[user])
            answer.raise_for_status()
            system_id = answer.json()["system"]["id"]
            if status != "provisioning":
                self.sim.control("ForceSystemStatus", {"system_id": system_id, "status": status})
            self.ids[user].append(system_id)
            self.names.append(name)

    def _hints(self):
        token = self.tokens["demo"]
        images, types = [], []
        for cloud in ("aws", "azure", "gcp"):
            images += self.sim.call("ImageService/ListAvailableImages", {"cloud": cloud}, token).json()["images"]
            types += self.sim.call("InstanceTypeService/ListAvailableInstanceTypes", {"cloud": cloud}, token).json()[
                "instance_types"]
        tags = self.sim.call("TagService/ListTags", {}, token).json()["tags"]
        key_ids = [key_id for key_id, _secret in self.context.credentials.values()]
        return {
            "id": self.ids["demo"] + self.ids["other"] + ["", "sys-0000000000000000"],
            "name": self.names + ["fuzz-new"],
            "image_id": [image["id"] for image in images],
            "version": sorted({image["version"] for image in images}),
            "instance_type_id": [t["id"] for t in types],
            "instance_type_name": [t["name"] for t in types],
            "tag_name": [tag["name"] for tag in tags],
            "config_toml": ["enable_gpu = false\n", "max_runtime_minutes = 90\n", "[broken\n", ""],
            "api_key_id": key_ids,
            "api_secret_key": ["wrong-secret", self.context.credentials["other"][1]],
        }

    def violation(self, case, answer_text, problem):
        if len(self.violations) < MAX_REPORTED:
            self.violations.append({"problem": problem, "case": case.describe(), "answer": answer_text[:300]})
        else:
            self.violations.append({"problem": problem})


# ---- strategies ------------------------------------------------------------------------------

def hostile_values():
    """Values that break types, ranges and sizes: what a careless or hostile client sends."""
    return st.one_of(
        st.none(), st.booleans(), st.integers(), st.integers(min_value=2 ** 63), st.integers(max_value=-1),
        st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
        st.text(alphabet=st.characters(exclude_categories=()), max_size=10),
        st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
        st.sampled_from(["x" * 65, "A" * 300, "x" * 70000, "système", "sys-' OR 1=1 --", "../../etc/passwd",
                         "\u0000", "\ud800", "1" * 400, "-1", "1e999"]),
    )


def json_values():
    return st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                        lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children,
                                                                                          max_size=3), max_leaves=6)


RAW_BODIES = [b"", b"not json", b"{", b"[]", b"null", b"42", b'"text"', b"\xff\xfe\x00", b'{"id": NaN}',
              b'{"id": Infinity}', b'{"a": 1e999}', b'{"id": "\\ud800"}', b"[" * 10000 + b"]" * 10000,
              b'{"a":' * 10000, b'{"id": "x", "id": "y"}', b"{\"id\": \"x\"}" + b" " * (BODY_LIMIT + 1)]


def value_strategy(contract, schema, field, hints):
    schema = contract.resolve(schema)
    if "anyOf" in schema:
        return st.one_of([value_strategy(contract, option, field, hints) for option in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    types = schema.get("type")
    if isinstance(types, list):
        return st.one_of([value_strategy(contract, dict(schema, type=kind), field, hints) for kind in types])
    if types == "null":
        return st.none()
    if types == "string":
        if "pattern" in schema:
            low, high = schema.get("minLength", 0), schema.get("maxLength", 64)
            typed = st.from_regex(schema["pattern"], fullmatch=True).filter(lambda text: low <= len(text) <= high)
        else:
            typed = st.text(max_size=schema.get("maxLength", 40))
        if field in hints:
            return st.one_of(st.sampled_from(hints[field]), typed)
        return typed
    if types == "integer":
        return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
    if types == "array":
        return st.lists(value_strategy(contract, schema.get("items", {}), field, hints), max_size=3)
    if types == "object":
        return object_strategy(contract, schema, hints)
    return json_values()


def object_strategy(contract, schema, hints):
    schema = contract.resolve(schema)
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    # A tag's name is drawn from the tags that exist.
    field_of = {name: ("tag_name" if name == "name" and "value" in properties else name) for name in properties}
    return st.fixed_dictionaries(
        {name: value_strategy(contract, properties[name], field_of[name], hints) for name in required},
        optional={name: value_strategy(contract, properties[name], field_of[name], hints)
                  for name in properties if name not in required})


class Case:
    def __init__(self, route, path, verb, token_kind, body_kind, payload, body):
        self.route, self.path, self.verb = route, path, verb
        self.token_kind, self.body_kind, self.payload, self.body = token_kind, body_kind, payload, body

    def describe(self):
        shown = self.payload[:200].decode("utf-8", "replace") + ("..." if len(self.payload) > 200 else "")
        return "%s %s token=%s body=%s %s" % (self.verb, self.path, self.token_kind, self.body_kind, shown)


def cases(world):
    contract = world.contract
    routes = contract.routes

    @st.composite
    def case(draw):
        route = draw(st.sampled_from(routes))
        schema = contract.request_schema(route)
        path_kind = draw(st.sampled_from(["method"] * 20 + ["unknown_method", "unknown_service", "get"]))
        token_kind = draw(st.sampled_from(["demo"] * 6 + ["other"] * 3 + ["none", "garbage", "revoked"]))
        body_kind = draw(st.sampled_from(["valid"] * 4 + ["hostile_field"] * 4 + [
            "unknown_field", "missing_required", "not_object", "raw"]))
        body = draw(object_strategy(contract, schema, world.hints))
        properties = list(schema.get("properties", {}))
        payload = None
        if body_kind == "hostile_field" and properties:
            body[draw(st.sampled_from(properties))] = draw(hostile_values())
        elif body_kind == "unknown_field" or (body_kind in ("hostile_field", "missing_required") and not properties):
            body[draw(st.text(min_size=1, max_size=12).filter(lambda name: name not in properties))] = draw(json_values())
        elif body_kind == "missing_required" and schema.get("required"):
            body.pop(draw(st.sampled_from(schema["required"])), None)
        elif body_kind == "not_object":
            payload = json.dumps(draw(st.one_of(st.lists(json_values(), max_size=3), st.text(max_size=10),
                                                st.integers(), st.none(), st.booleans()))).encode()
        elif body_kind == "raw":
            payload = draw(st.one_of(st.sampled_from(RAW_BODIES), st.binary(max_size=64)))
        if payload is None:
            ascii_only = draw(st.booleans())
            payload = json.dumps(body, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
        else:
            body = None
        path = API_PATH + route
        verb = "POST"
        if path_kind == "unknown_method":
            path, route = path + "X", None
        elif path_kind == "unknown_service":
            path, route = path.replace("puddle.v2.", "puddle.v9."), None
        elif path_kind == "get":
            verb, route = "GET", None
        return Case(route, path, verb, token_kind, body_kind, payload, body)

    return case()


# ---- one case --------------------------------------------------------------------------------

def token_for(world, case):
    if case.token_kind in VALID_TOKENS and case.route == "AuthService/Logout":
        if world.throwaway_tokens[case.token_kind]:
            return world.throwaway_tokens[case.token_kind].pop()
        case.token_kind = "revoked"
    if case.token_kind in VALID_TOKENS:
        return world.tokens[case.token_kind]
    return {"none": None, "garbage": secrets.token_urlsafe(32), "revoked": world.revoked_token}[case.token_kind]


def run_case(world, case):
    world.cases += 1
    headers = {"Content-Type": "application/json"}
    token = token_for(world, case)
    if token is not None:
        headers["X-Puddle-Token"] = token
    session = world.sim.session
    url = world.sim.url + case.path
    try:
        if case.verb == "GET":
            response = session.get(url, headers=headers, timeout=30)
        else:
            response = session.post(url, data=case.payload, headers=headers, timeout=30)
    except requests.RequestException as error:
        world.requests += 1
        world.violation(case, "", "no answer: %s" % error)
        return
    world.requests += 1
    status = response.status_code
    world.statuses[status] = world.statuses.get(status, 0) + 1
    try:
        answer = response.json()
    except ValueError:
        world.violation(case, response.text, "the answer is not JSON")
        return
    code = answer.get("code") if isinstance(answer, dict) and status != 200 else None
    injected = world.faults_on and case.route is not None and code in world.injected and status in (503, 429)
    if injected:
        world.injected[code] += 1
    elif status >= 500:
        world.fivexx += 1
        world.violation(case, response.text, "HTTP %d" % status)
    for problem in world.contract.problems(case.route, status, answer, response.headers.get("Retry-After")):
        world.violation(case, response.text, "not a contract answer: %s" % problem)
    check_authentication(world, case, status, code, injected)
    check_isolation(world, case, status, answer)
    check_stored_data(world, case, status, response.text)


def check_authentication(world, case, status, code, injected):
    """Without a valid token only Login works (after the route and size checks of §9)."""
    if (case.route is None or case.route == "AuthService/Login" or case.token_kind in VALID_TOKENS or injected
            or len(case.payload) > BODY_LIMIT):
        return
    if status != 401 or code != "unauthenticated":
        world.violation(case, "", "answered %d (%s) without a valid token" % (status, code))


def check_isolation(world, case, status, answer):
    """A user never reaches another user's system: not_found (404), never 200 or 403."""
    if case.token_kind not in VALID_TOKENS or case.route is None:
        return
    if status == 403:
        world.violation(case, json.dumps(answer), "403: other users' systems must be invisible (404)")
    stranger = "other" if case.token_kind == "demo" else "demo"
    if isinstance(case.body, dict) and case.body.get("id") in world.ids[stranger] and status == 200:
        world.violation(case, json.dumps(answer), "reached a system of user %s" % stranger)
    if status == 200:
        owner = world.users[case.token_kind]
        shown = answer.get("systems") or []
        if isinstance(answer.get("system"), dict):
            shown = shown + [answer["system"]]
        foreign = [system.get("id") for system in shown if system.get("owner") != owner]
        foreign += [info["system_id"] for info in answer.get("systems_consumption_info") or []
                    if info["system_id"] in world.ids[stranger]]
        if foreign:
            world.violation(case, json.dumps(answer), "showed systems of user %s: %s" % (stranger, foreign))


def check_stored_data(world, case, status, answer_text):
    """Rejected and read-only requests leave every stored system exactly as it was."""
    now = canonical(world.sim.all_systems())
    if status == 200 and case.route in MUTATING_METHODS:
        world.baseline = now
    elif now != world.baseline:
        world.violation(case, answer_text, "stored data changed by a %s answer to %s" % (status, case.route))
        world.baseline = now


def fuzz(world, examples, seed):
    @hypothesis_seed(seed)
    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(cases(world))
    def one(case):
        run_case(world, case)
        if world.cases % 250 == 0 and not world.sim.alive():
            raise RuntimeError("the simulator died")

    one()


# ---- the stage -------------------------------------------------------------------------------

def positive_control(context, contract):
    """The answer checks must be able to fail: answers that break the contract are caught."""
    broken = {
        "a 500 with a bare body": (500, {"detail": "boom"}, None),
        "an error without meta": (404, {"code": "not_found", "msg": "no"}, None),
        "a code with the wrong HTTP status": (400, {"code": "not_found", "msg": "no", "meta": {}}, None),
        "an invalid_argument without its rule": (400, {"code": "invalid_argument", "msg": "x", "meta": {"field": "id"}},
                                                 None),
        "a Retry-After that disagrees": (429, {"code": "resource_exhausted", "msg": "x", "meta": {"retry_after": "3"}},
                                         "5"),
    }
    missed = [name for name, (status, body, retry_after) in broken.items()
              if not contract.problems("SystemService/GetSystem", status, body, retry_after)]
    missed += ["a 200 that is not a GetSystem answer"] if not contract.problems(
        "SystemService/GetSystem", 200, {"system": {"id": 1}}) else []
    context.checks.check("the answer checks catch %d kinds of broken answers (positive control)" % (len(broken) + 1),
                         not missed, missed)


def run(context):
    check = context.checks.check
    contract = Contract(context.collection / "docs" / "api-schema.json")
    positive_control(context, contract)
    sim = Simulator(context, "fuzz", speed=FROZEN_SPEED)
    context.simulators.append(sim)
    sim.start()
    world = World(context, sim, contract)
    seed = int(os.environ.get("RELIABILITY_FUZZ_SEED") or secrets.randbelow(2 ** 32))
    print("  fuzz seed %d (RELIABILITY_FUZZ_SEED=%d reproduces the cases)" % (seed, seed), flush=True)
    started = time.monotonic()
    fuzz(world, CLEAN_CASES, seed)
    clean_cases, clean_violations = world.cases, len(world.violations)
    before = sim.observations()["faults"]
    sim.set_faults(**FAULTS)
    world.faults_on = True
    fuzz(world, FAULT_CASES, seed + 1)
    sim.faults_off()
    fired = sim.observations()["faults"]
    fired = {knob: fired.get(knob, 0) - before.get(knob, 0) for knob in ("unavailable_rate", "resource_exhausted_rate")}
    seconds = time.monotonic() - started
    context.figures["fuzz_cases_run"] += world.cases
    context.figures["fuzz_requests"] += world.requests
    context.figures["5xx_found"] += world.fivexx
    context.figures["fuzz"] = {"seed": seed, "seconds": round(seconds, 1), "statuses": {
        str(key): value for key, value in sorted(world.statuses.items())}, "injected": world.injected,
        "violations": len(world.violations)}
    check("the fuzzer sent %d generated requests (%d without faults, %d with) in %.0f s" % (
        world.requests, clean_cases, world.cases - clean_cases, seconds), world.requests >= 2000)
    check("the simulator is alive and healthy after the fuzz", sim.alive() and requests.get(
        sim.url + "/healthz", timeout=10).status_code == 200)
    check("no 5xx but the injected ones (%d found; injected: %s, counted by the simulator: %s)" % (
        world.fivexx, world.injected, fired), world.fivexx == 0 and world.injected["unavailable"] == fired[
        "unavailable_rate"] and world.injected["resource_exhausted"] == fired["resource_exhausted_rate"])
    check("every answer is a contract answer, every rule held (%d violations, %d before the faults)" % (
        len(world.violations), clean_violations), not world.violations, json.dumps(world.violations[:MAX_REPORTED],
                                                                                   indent=1))
    authentication(context, sim, contract, world)
    isolation(context, sim, world)
    expired_token(context)
    sim.stop()


def authentication(context, sim, contract, world):
    refused = {}
    for route in contract.routes:
        for kind, token in (("missing", None), ("garbage", secrets.token_urlsafe(32)), ("revoked", world.revoked_token)):
            answer = sim.call(route, {}, token)
            body = answer.json()
            refused[(route, kind)] = (answer.status_code, body.get("code"), body.get("meta", {}).get("reason"))
    expected_reason = {"missing": "missing_token", "garbage": "invalid_token", "revoked": "invalid_token"}
    wrong = {key: value for key, value in refused.items() if key[0] != "AuthService/Login"
             and value != (401, "unauthenticated", expected_reason[key[1]])}
    context.checks.check("no method but Login answers without a valid token (%d methods x missing, garbage, "
                         "revoked)" % (len(contract.routes) - 1), not wrong, wrong)
    key_id, secret = context.credentials["demo"]
    login = sim.call("AuthService/Login", {"api_key_id": key_id, "api_secret_key": secret})
    context.checks.check("Login works without a token", login.status_code == 200 and login.json()["token"])


def isolation(context, sim, world):
    before = canonical(sim.all_systems())
    other = world.tokens["other"]
    answers = {}
    for route in ("SystemService/GetSystem", "SystemService/StartSystem", "SystemService/StopSystem",
                  "SystemService/RestartSystem", "SystemService/FailSystem", "SystemService/TerminateSystem",
                  "SystemService/RefreshIdleTimeout", "SystemService/GetConfigToml"):
        for system_id in world.ids["demo"]:
            answer = sim.call(route, {"id": system_id}, other)
            answers[(route, system_id)] = (answer.status_code, answer.json().get("code"))
    for system_id in world.ids["demo"]:
        answer = sim.call("SystemService/UpdateConfigToml", {"id": system_id, "config_toml": "a = 1\n"}, other)
        answers[("SystemService/UpdateConfigToml", system_id)] = (answer.status_code, answer.json().get("code"))
    wrong = {key: value for key, value in answers.items() if value != (404, "not_found")}
    context.checks.check("user B can neither see nor change user A's systems: 404 not_found, never 403 (%d calls)" % len(
        answers), not wrong, wrong)
    listed = sim.call("SystemService/ListSystems", {}, other).json()["systems"]
    found = [sim.call("SystemService/FindSystemByName", {"name": name}, other).json()["system"]
             for name in world.names if name.startswith("fuzz-demo")]
    consumption = sim.call("SystemService/GetCUConsumptionInfo", {}, other).json()["systems_consumption_info"]
    demo_ids = set(world.ids["demo"])
    context.checks.check("user B's listings, lookups by name and CU report show none of user A's systems",
                         not demo_ids & {s["id"] for s in listed} and all(system is None for system in found)
                         and not demo_ids & {info["system_id"] for info in consumption}, (listed, found, consumption))
    context.checks.check("user A's systems are unchanged by user B's attempts", canonical(sim.all_systems()) == before)


def expired_token(context):
    sim = Simulator(context, "token-ttl", speed=20.0, extra_args=["--token-ttl", "1"])
    context.simulators.append(sim)
    sim.start()
    token = sim.login()
    fresh = sim.call("SystemService/ListSystems", {}, token)
    time.sleep(1.5)
    expired = sim.call("SystemService/ListSystems", {}, token)
    body = expired.json()
    context.checks.check("an expired token is refused (401 token_expired; it worked before it expired)",
                         fresh.status_code == 200 and expired.status_code == 401
                         and body.get("meta", {}).get("reason") == "token_expired", (fresh.status_code, body))
    sim.stop()
