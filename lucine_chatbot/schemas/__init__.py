"""Declarative request validation (pydantic) shared by every API module, and the OpenAPI document."""
import datetime as dt
import functools
import inspect
import re
from typing import Annotated, TypeVar

from flask import request
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, field_validator
from pydantic import ValidationError as PydanticError
from pydantic.alias_generators import to_camel
from pydantic.json_schema import GenerateJsonSchema

from lucine_chatbot.platform.errors import BadRequest, UnsupportedMediaType, ValidationError

BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
INT_LIMIT = 2**31 - 1  # PostgreSQL INTEGER; a bigger number would be a database error, not a 422
# Text is stored and shown as sent, but not control characters (C0 but tab and line breaks, DEL, C1: invisible,
# they forge lines in logs and exports) nor lone UTF-16 surrogates (no valid UTF-8, PostgreSQL refuses them).
CONTROL_CHARACTERS = "\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F"
UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
TEXT_PATTERN = f"^[^{CONTROL_CHARACTERS}]*$"  # the same rule in the published schema (JSON Schema, ECMA 262)

T = TypeVar("T")


def _not_null(value):
    if value is None:
        raise ValueError("must not be null: leave the field out to keep its value")
    return value


def _iso_text(value):
    if isinstance(value, (int, float)) or (isinstance(value, str) and NUMBER.fullmatch(value.strip())):
        raise ValueError("must be an ISO 8601 date or time, not a number")
    return value


def _within_calendar(value):
    day = value.date() if isinstance(value, dt.datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"must be between {FIRST_DAY} and {LAST_DAY}")
    return value


NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
# Far enough from year 1 and 9999 that a day's bounds in any timezone stay representable (0001-01-01 in
# Europe/Rome is still 31 December of year 0 in UTC: an OverflowError, a 500).
FIRST_DAY, LAST_DAY = dt.date(1970, 1, 1), dt.date(9998, 12, 31)
# Dates and times as the schema publishes them (`format: date`, `date-time`): pydantic would also read a number
# as a Unix timestamp (`since=0` meaning 1970).
IsoDate = Annotated[dt.date, BeforeValidator(_iso_text), AfterValidator(_within_calendar)]
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_text), AfterValidator(_within_calendar)]

# A field a PATCH may leave out but, when sent, must hold a value: `null` is a 422, never a NULL written to a
# NOT NULL column (a 500), and the published schema does not offer `null` (TextOnlySchema drops the default).
Omittable = Annotated[T, BeforeValidator(_not_null)]


def storable(value):
    """Refuse what no column can hold or no reader should get: NUL and other control characters, lone
    surrogates, and integers beyond INTEGER."""
    if isinstance(value, str) and UNWANTED.search(value):
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        raise ValueError("must not contain control characters (tab and line breaks are fine) or lone surrogates")
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


class TextOnlySchema(GenerateJsonSchema):
    """The JSON Schema of the request models as they are enforced: every string without a pattern of its own
    gets TEXT_PATTERN (no control characters), and an Omittable field shows no `null` default."""

    def str_schema(self, schema):
        json_schema = super().str_schema(schema)
        json_schema.setdefault("pattern", TEXT_PATTERN)
        return json_schema

    def default_schema(self, schema):
        json_schema = super().default_schema(schema)
        if json_schema.get("default", ...) is None and not _nullable(json_schema):
            del json_schema["default"]
        return json_schema


def _nullable(json_schema):
    options = json_schema.get("anyOf", []) + [json_schema]
    return any(option.get("type") == "null" or "null" in (option.get("type") or []) for option in options
               if isinstance(option, dict))


class ApiModel(BaseModel):
    """camelCase on the wire, unknown fields rejected, surrounding whitespace stripped."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid",
                              str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _storable_as_sent(cls, value):
        return storable(value)  # before stripping: str.strip() also removes \x0b, \x1c-\x1f and \x85

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value):
        return storable(value)


def _field_name(loc):
    return ".".join(str(part) for part in loc) or "body"


def _is_missing(error):
    """Missing or blank required values are a 400; wrong values are a 422 (/api/openapi.json)."""
    if error["type"] == "missing":
        return True
    return error["type"] == "string_too_short" and not str(error.get("input", "")).strip()


def validate_data(model, data, where="body"):
    """Parse `data` with `model` or raise the API's validation error, naming each bad field.

    A JSON body is parsed strictly, with the types the schema publishes (`0` is not a boolean, `"5"` not an
    integer); a query string is all text, so its numbers and booleans are read from their text.
    """
    if not isinstance(data, dict):
        raise BadRequest(f"The {where} must be a JSON object.")
    try:
        return model.model_validate(data, strict=where == "body")
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


def query_values():
    """The query string as {name: value}. Every query parameter is one value (the schema says so): a repeated one
    (`?language=it&language=de`) is refused rather than silently read as its first value."""
    repeated = sorted(name for name, values in request.args.lists() if len(values) > 1)
    if repeated:
        raise ValidationError(f"Give each query parameter once: {', '.join(repeated)}.",
                              fields={name: "given more than once" for name in repeated})
    return request.args.to_dict()


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
                kwargs["query"] = validate_data(query, query_values(), where="query")
            return view(*args, **kwargs)

        wrapper.api_spec = {"body": body, "query": query, "response": response, "status": status,
                            "doc": inspect.getdoc(view)}
        return wrapper

    return decorator
