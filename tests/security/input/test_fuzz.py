"""Property-based fuzzing of every operation in /api/openapi.json: the API keeps its own contract.

Checks: no 500, every status and content type documented, responses match their schema, and a request the schema
forbids is refused (never a 2xx). Two kinds of cases: schemathesis' coverage phase (deterministic: every boundary
and wrong type the schema implies) and random generation (property-based, valid then invalid data). Path ids point
at real rows (a knowledge item, a ticket, a chat…), so PATCH bodies meet a row and not a 404.

Bounded so the README's `pytest` stays quick: FUZZ_MAX_EXAMPLES (default 20; 30 in .ci/run) examples per
operation and generation mode (valid data, then invalid data), from a fixed seed (hypothesis' derandomised mode),
so CI runs the same cases every time. The longer run (docs/security.md, "Fuzzing"):
`FUZZ_MAX_EXAMPLES=200 FUZZ_SEED=<any integer> pytest -m fuzz tests/security/input/test_fuzz.py`.
"""
import os
import re
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from lucine_chatbot.extensions import db, limiter
from lucine_chatbot.models import CannedReply, KnowledgeItem
from lucine_chatbot.tickets import intake

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "20"))
SEED = os.environ.get("FUZZ_SEED")  # unset: the fixed, derandomised run; set: another reproducible run
MODULES = ["chat", "chat-management", "operators", "tickets", "analytics", "health", "knowledge", "calendar",
           "automated-texts", "canned-replies"]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]
# A refusal is any 4xx the API answers to bad input; 413 too (a body over 64 KB is refused before parsing).
REFUSALS = ["400", "401", "403", "404", "405", "409", "413", "415", "422", "429"]
CONFIG = SchemathesisConfig.from_dict({"checks": {"negative_data_rejection": {"expected-statuses": REFUSALS}}})


def module_regex(module):
    return f"^/api/{re.escape(module)}(/|$)"


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=CONFIG)


@pytest.fixture
def rows(make, admin):
    """One row behind every kind of path id, so generated bodies reach the code that writes them."""
    chat = make.chat()
    make.message(chat)
    item = KnowledgeItem(slug="fuzz-item", language="it", category="general", question="Orari?",
                         answer="17:30-23:00", keywords=["orari"])
    reply = CannedReply(shortcut="/fuzz", title="Fuzz", text="Ciao", language="it")
    db.session.add_all([item, reply])
    ticket, token = intake.create_ticket_from_visitor("Biglietto perso", "EMAIL", email="ana@example.com",
                                                       session_public_id=chat.public_id)
    other = make.operator(username="fuzz-target")
    return {"session_id": chat.public_id, "item_id": item.id, "reply_id": reply.id, "ticket_id": ticket.id,
            "operator_id": other.id, "token": token, "date": date(2025, 12, 20).isoformat(), "key": "greeting",
            "language": "it"}


def negated(case):
    """The parameters a negative case made invalid (what it is about: they must reach the API as generated)."""
    data = case.meta.phase.data if case.meta else None
    return {getattr(data, "parameter", None)} | {m.parameter for m in getattr(data, "mutations", None) or ()}


def aim_at_rows(case, rows):
    """Point path parameters at the seeded rows, except one a negative case made invalid."""
    for name in set(case.path_parameters or {}) - negated(case):
        if name in rows:
            case.path_parameters[name] = rows[name]


def call(case, headers, rows):
    """Send the case as the admin, aimed at real rows; a case about a missing or broken Authorization header
    goes without the admin's token (adding it would make the request valid)."""
    aim_at_rows(case, rows)
    case.call_and_validate(headers=None if "Authorization" in negated(case) else headers, checks=CHECKS)


def fuzz_operation(operation, mode, headers, rows):
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=SEED is None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        limiter.reset()  # the fuzzer floods by design: measure the endpoints, not the limiter
        call(case, headers, rows)

    if SEED is not None:
        run = seed(int(SEED))(run)
    try:
        run()
    except Unsatisfiable:
        assert mode == GenerationMode.NEGATIVE  # an operation without inputs has no invalid variant


def headers_for(operation, admin_headers, make):
    """The admin's token, except for logout, which revokes the token it is called with (a throwaway's)."""
    if operation.path.endswith("/logout"):
        return make.auth_headers(make.operator())
    return admin_headers


def test_every_api_path_belongs_to_a_fuzzed_module(api_schema):
    paths = [result.ok().path for result in api_schema.get_all_operations()]
    strays = [p for p in paths if p != "/api/openapi.json" and not any(re.match(module_regex(m), p)
                                                                       for m in MODULES)]
    assert not strays, f"add their module to MODULES: {strays}"


def operations_of(api_schema, module):
    operations = [r.ok() for r in api_schema.include(path_regex=module_regex(module)).get_all_operations()]
    assert operations, f"no /api/{module} operation in the contract"
    return operations


@pytest.mark.fuzz
@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_generated_requests_never_get_a_500_and_match_the_contract(api_schema, admin_headers, make, rows, module,
                                                                   mode):
    for operation in operations_of(api_schema, module):
        fuzz_operation(operation, mode, headers_for(operation, admin_headers, make), rows)


@pytest.mark.fuzz
@pytest.mark.parametrize("module", MODULES)
def test_every_boundary_and_wrong_type_the_schema_implies_is_answered_by_the_contract(api_schema, admin_headers,
                                                                                    make, rows, module):
    """schemathesis' coverage phase: deterministic cases at each boundary the schema states (lengths, limits,
    enum values, patterns, missing required fields) and each wrong type (`0` for a boolean, `"5"` for an integer,
    `null` where null is not offered), valid and invalid; about 1,800 requests in all, whatever FUZZ_MAX_EXAMPLES."""
    for operation in operations_of(api_schema, module):
        config = api_schema.config.generation_for(operation=operation)
        for case in api_schema.iter_coverage_cases(operation, generation_modes=list(GenerationMode),
                                                   generation_config=config):
            limiter.reset()
            call(case, headers_for(operation, admin_headers, make), rows)


def test_the_contract_is_a_valid_openapi_3_1_document(client):
    from openapi_spec_validator import OpenAPIV31SpecValidator

    document = client.get("/api/openapi.json").json
    assert document["openapi"] == "3.1.0"
    errors = [str(error.message) for error in OpenAPIV31SpecValidator(document).iter_errors()]
    assert not errors, errors[:5]


def test_every_write_operation_is_validated(app):
    """A view that takes a body is declared with @validate: non-JSON is a 415, the fuzzer sees the schema."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and (rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}:
            assert getattr(app.view_functions[rule.endpoint], "api_spec", None) is not None, rule.rule


def test_no_view_reads_the_request_around_its_schema():
    """Bodies and queries reach views only through @validate (the login limiter's key reads the username)."""
    import pathlib

    api = pathlib.Path(__file__).resolve().parents[3] / "lucine_chatbot" / "api"
    pattern = re.compile(r"request\.(args|get_json|json|form|values|data)\b")
    for path in api.glob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            allowed = path.name == "operators.py" and "request.get_json(silent=True)" in line  # login_key
            assert allowed or not pattern.search(line), f"{path.name}:{number}: {line.strip()}"
