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
    if not operations:
        pytest.skip(f"no /api/{module} operation on main yet")
    for operation in operations:
        fuzz_operation(operation, mode, admin_headers)
