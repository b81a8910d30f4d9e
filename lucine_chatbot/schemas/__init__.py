"""Declarative request validation (pydantic) shared by every API module, and the OpenAPI document."""
import functools
import inspect

from flask import request
from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import ValidationError as PydanticError
from pydantic.alias_generators import to_camel

from ..errors import BadRequest, UnsupportedMediaType, ValidationError

BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
INT_LIMIT = 2**31 - 1  # PostgreSQL INTEGER; a bigger number would be a database error, not a 422


def storable(value):
    """Refuse what no column can hold: NUL characters (PostgreSQL text) and integers beyond INTEGER."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT_LIMIT:
        raise ValueError(f"must be between -{INT_LIMIT} and {INT_LIMIT}")
    if isinstance(value, (list, tuple, set)):
        for item in value:
            storable(item)
    if isinstance(value, dict):
        for key, item in value.items():
            storable(key)
            storable(item)
    return value


class ApiModel(BaseModel):
    """camelCase on the wire, unknown fields rejected, surrounding whitespace stripped."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid",
                              str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value):
        return storable(value)


def _field_name(loc):
    return ".".join(str(part) for part in loc) or "body"


def _is_missing(error):
    """Missing or blank required values are a 400; wrong values are a 422 (API.md)."""
    if error["type"] == "missing":
        return True
    return error["type"] == "string_too_short" and not str(error.get("input", "")).strip()


def validate_data(model, data, where="body"):
    """Parse `data` with `model` or raise the API's validation error, naming each bad field."""
    if not isinstance(data, dict):
        raise BadRequest(f"The {where} must be a JSON object.")
    try:
        return model.model_validate(data)
    except PydanticError as exc:
        errors = exc.errors(include_url=False)
        fields = {_field_name(e["loc"]): e["msg"] for e in errors}
        error_cls = BadRequest if all(_is_missing(e) for e in errors) else ValidationError
        raise error_cls(f"Invalid {where}: " + "; ".join(f"{k}: {v}" for k, v in fields.items()),
                        fields=fields) from None


def json_body():
    """The request's JSON object, or the right 4xx: 415 for another content type, 400 for bad JSON."""
    if not request.is_json:
        if request.content_length or request.mimetype:
            raise UnsupportedMediaType()
        return {}
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("The body is not valid JSON.")
    return data


def validate(body=None, query=None, response=None, status=200):
    """Decorate a view: the parsed `body`/`query` models arrive as keyword arguments.

    The models are also kept on the view so `/api/openapi.json` describes what is really enforced.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if body is not None:
                kwargs["body"] = validate_data(body, json_body())
            elif request.method in BODY_METHODS and request.content_length:
                json_body()  # still refuse a non-JSON body
            if query is not None:
                kwargs["query"] = validate_data(query, request.args.to_dict(), where="query")
            return view(*args, **kwargs)

        wrapper.api_spec = {"body": body, "query": query, "response": response, "status": status,
                            "doc": inspect.getdoc(view)}
        return wrapper

    return decorator
