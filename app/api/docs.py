"""The browsable documentation: the OpenAPI document rendered on the server, with no script
(the site's Content-Security-Policy allows none inline, and no CDN)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from .errors import all_problems, api, problem_abort

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")

METHODS = ("get", "post", "put", "patch", "delete")
ENUM_SHOWN = 12


@bp.get("/docs")
def docs():
    spec = api.spec.to_dict()
    return render_template(
        "api/docs.html",
        spec=spec,
        operations=operations(spec),
        schemas={name: describe_schema(schema) for name, schema in spec["components"]["schemas"].items()},
        problems=all_problems(),
    )


@bp.get("/problems/<slug>")
def problem(slug: str):
    """A problem's `type` URI leads to its description in the documentation."""
    if slug not in {known for known, _title, _status in all_problems()}:
        problem_abort(404)
    return redirect(url_for(".docs", _anchor=f"problem-{slug}"))


def operations(spec: dict) -> list[dict]:
    found = []
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method in item:
                found.append(_operation(spec, path, method, item[method], shared))
    return found


def _operation(spec: dict, path: str, method: str, operation: dict, shared: list) -> dict:
    body = operation.get("requestBody", {}).get("content", {})
    return {
        "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
        "method": method.upper(),
        "path": path,
        "summary": operation.get("summary", ""),
        "description": operation.get("description", ""),
        "tags": operation.get("tags", []),
        "needs_token": bool(operation.get("security")),
        "parameters": [_parameter(p) for p in shared + operation.get("parameters", [])],
        "body": [(content_type, type_label(media.get("schema", {}))) for content_type, media in body.items()],
        "responses": [
            _response(spec, code, response) for code, response in operation.get("responses", {}).items()
        ],
    }


def _parameter(parameter: dict) -> dict:
    schema = parameter.get("schema", {})
    return {
        "name": parameter["name"],
        "in": parameter["in"],
        "required": parameter.get("required", False),
        "type": type_label(schema),
        "description": parameter.get("description", ""),
        "constraints": constraints(schema),
    }


def _response(spec: dict, code: str, response: dict) -> dict:
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    content = response.get("content", {})
    return {
        "code": code,
        "description": response.get("description", ""),
        "content": [
            (content_type, type_label(media.get("schema", {}))) for content_type, media in content.items()
        ],
    }


def describe_schema(schema: dict) -> list[dict]:
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "type": type_label(prop),
            "required": name in required,
            "description": prop.get("description", ""),
            "constraints": constraints(prop),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def type_label(schema: dict) -> dict:
    """A schema's type for a reader: {'text': 'array of', 'ref': 'Event'} and the like."""
    if "$ref" in schema:
        return {"text": "", "ref": schema["$ref"].rsplit("/", 1)[-1]}
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " | ".join(kind)
    if "items" in schema:
        inner = type_label(schema["items"])
        return {"text": f"{kind} of {inner['text']}".strip(), "ref": inner["ref"]}
    if "format" in schema:
        kind = f"{kind} ({schema['format']})"
    return {"text": kind, "ref": None}


def constraints(schema: dict) -> list[str]:
    shown = []
    for key in ("minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "default"):
        if key in schema:
            shown.append(f"{key}: {schema[key]}")
    if "enum" in schema:
        values = [str(v) for v in schema["enum"]]
        more = f" … (+{len(values) - ENUM_SHOWN})" if len(values) > ENUM_SHOWN else ""
        shown.append("one of: " + ", ".join(values[:ENUM_SHOWN]) + more)
    return shown
