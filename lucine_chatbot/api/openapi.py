"""`/api/openapi.json`: the contract generated from the same schemas the views enforce."""
import re

from flask import Blueprint, current_app, jsonify

from lucine_chatbot import __version__
from lucine_chatbot.extensions import limiter
from lucine_chatbot.schemas import TEXT_PATTERN, TextOnlySchema

bp = Blueprint("openapi", __name__, url_prefix="/api")
PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object"}}}},
}
NO_CONTENT = {"description": "Done; no body"}
CACHE_KEY = "lucine_openapi"


def _schema(model):
    return model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}",
                                   schema_generator=TextOnlySchema)


def _operation(rule, method, view, components):
    spec = getattr(view, "api_spec", {})
    operation = {"operationId": f"{method.lower()}_{rule.endpoint.replace('.', '_')}",
                 "summary": (spec.get("doc") or rule.endpoint).splitlines()[0],
                 "responses": {"default": {"description": "Error",
                                           "content": {"application/json": {"schema": ERROR_SCHEMA}}}}}
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": {"type": "integer"} if conv == "int" else {"type": "string", "pattern": TEXT_PATTERN}}
                  for conv, name in PATH_PARAM.findall(rule.rule)]
    if spec.get("query"):
        schema = _schema(spec["query"])
        components.update(schema.pop("$defs", {}))
        required = set(schema.get("required", []))
        parameters += [{"name": name, "in": "query", "required": name in required, "schema": prop}
                       for name, prop in schema.get("properties", {}).items()]
    if parameters:
        operation["parameters"] = parameters
    if spec.get("body") and method in ("POST", "PUT", "PATCH"):
        schema = _schema(spec["body"])
        components.update(schema.pop("$defs", {}))
        # Without a body the view validates `{}`: required exactly when the model has a required field (a PATCH
        # of optional fields without a body changes nothing and is a 200).
        operation["requestBody"] = {"required": bool(schema.get("required")),
                                    "content": {"application/json": {"schema": schema}}}
    success = {"description": "Success", "content": {"application/json": {"schema": {"type": "object"}}}}
    if spec.get("response"):
        schema = _schema(spec["response"])
        components.update(schema.pop("$defs", {}))
        success["content"] = {"application/json": {"schema": schema}}
    statuses = spec.get("status", 200)  # one status, or several (POST /api/chat: 200 inline, 202 queued)
    for status in statuses if isinstance(statuses, (tuple, list)) else (statuses,):
        operation["responses"][str(status)] = NO_CONTENT if status == 204 else success
    if getattr(view, "auth", None):
        operation["security"] = [{"bearerAuth": []}]
    return operation


def build_document(app):
    paths, components = {}, {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/") or rule.endpoint == "openapi.get_openapi":
            continue
        view = app.view_functions[rule.endpoint]
        path = PATH_PARAM.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule, method, view, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Lucine Chatbot API", "version": __version__},
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    }


@bp.get("/openapi.json")
@limiter.exempt
def get_openapi():
    """The OpenAPI 3.1 description of this API, built at the first request and kept for the app's life (the
    routes and schemas cannot change while it runs; building walks every rule and pydantic model)."""
    app = current_app._get_current_object()
    body = app.extensions.get(CACHE_KEY)
    if body is None:
        body = app.extensions[CACHE_KEY] = jsonify(build_document(app)).get_data()
    return app.response_class(body, mimetype="application/json")
