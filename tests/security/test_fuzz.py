"""Property-based fuzzing of every operation in /api/openapi.json: no 500, responses match the contract.

Bounded so the README's `pytest` stays quick: FUZZ_MAX_EXAMPLES (default 20) examples per operation and
generation mode (valid data, then invalid data).
"""
import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from lucine_chatbot.extensions import limiter

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "20"))
MODULES = ["chat", "chat-management", "operators", "tickets", "analytics", "health", "knowledge", "calendar",
           "automated-texts", "canned-replies"]
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def module_regex(module):
    return f"^/api/{re.escape(module)}(/|$)"


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


def fuzz_operation(operation, mode, headers):
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case):
        limiter.reset()  # the fuzzer floods by design: measure the endpoints, not the limiter
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        assert mode == GenerationMode.NEGATIVE  # an operation without inputs has no invalid variant


def test_every_api_path_belongs_to_a_fuzzed_module(api_schema):
    paths = [result.ok().path for result in api_schema.get_all_operations()]
    strays = [p for p in paths if p != "/api/openapi.json" and not any(re.match(module_regex(m), p)
                                                                       for m in MODULES)]
    assert not strays, f"add their module to MODULES: {strays}"


@pytest.mark.fuzz
@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_generated_requests_never_get_a_500_and_match_the_contract(api_schema, admin_headers, module, mode):
    operations = [r.ok() for r in api_schema.include(path_regex=module_regex(module)).get_all_operations()]
    assert operations, f"no /api/{module} operation in the contract"
    for operation in operations:
        fuzz_operation(operation, mode, admin_headers)


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

    api = pathlib.Path(__file__).resolve().parents[2] / "lucine_chatbot" / "api"
    pattern = re.compile(r"request\.(args|get_json|json|form|values|data)\b")
    for path in api.glob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            allowed = path.name == "operators.py" and "request.get_json(silent=True)" in line  # login_key
            assert allowed or not pattern.search(line), f"{path.name}:{number}: {line.strip()}"
