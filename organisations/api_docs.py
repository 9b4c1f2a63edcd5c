"""The API's documentation page (`/api/v1/docs/`), rendered by the site from the OpenAPI
description itself: the usual documentation UIs load from a CDN and need inline styles, which
the site's CSP forbids. What the page says of each endpoint, parameter and field is what the
description says, so the two cannot drift apart."""

import re

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView

from .api import STABILITY, api
from .views import Canonical

REF = "#/components/schemas/"


def prose(text):
    """A description as HTML: escaped, its `code` marked as code."""
    return mark_safe(re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text)))


def describe(schema, nullable=True):
    """A schema's type in words: "string", "integer or null", "list of Tag", "one of: a, b".
    A parameter's (`nullable` false) leaves out null: a query string has no null."""
    if "$ref" in schema:
        return schema["$ref"].removeprefix(REF)
    if "enum" in schema:
        return "one of: " + ", ".join(str(value) for value in schema["enum"])
    if "const" in schema:
        return f"only: {schema['const']}"
    if "anyOf" in schema:
        options = [option for option in schema["anyOf"] if nullable or option.get("type") != "null"]
        return " or ".join(describe(option) for option in options)
    kind = schema.get("type")
    if kind == "array":
        return "list of " + describe(schema.get("items", {}))
    if kind == "object" and "additionalProperties" in schema:
        extra = schema["additionalProperties"]
        return "object: name → " + (describe(extra) if isinstance(extra, dict) else "any")
    return kind or "any"


def operations(description):
    """[(method, path, operation as the page shows it)], in the description's order."""
    found = []
    for path, methods in description["paths"].items():
        for method, operation in methods.items():
            parameters = [
                {
                    "name": parameter["name"],
                    "where": parameter["in"],
                    "type": describe(parameter.get("schema", {}), nullable=False),
                    "required": parameter.get("required", False),
                    "description": prose(
                        parameter.get("description")
                        or parameter.get("schema", {}).get("description", "")
                    ),
                }
                for parameter in operation.get("parameters", [])
            ]
            body = operation.get("requestBody", {}).get("content", {})
            for media_type, content in body.items():
                schema = content.get("schema", {})
                for name, field in schema.get("properties", {}).items():
                    parameters.append(
                        {
                            "name": name,
                            "where": f"body ({media_type})",
                            "type": describe(field, nullable=False),
                            "required": name in schema.get("required", []),
                            "description": prose(field.get("description", "")),
                        }
                    )
            responses = [
                {
                    "status": status,
                    "description": response.get("description", ""),
                    "types": [
                        (media_type, describe(content.get("schema", {})))
                        for media_type, content in response.get("content", {}).items()
                    ],
                }
                for status, response in operation.get("responses", {}).items()
            ]
            found.append(
                {
                    "id": operation["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": prose(operation.get("description", "")),
                    "parameters": parameters,
                    "responses": responses,
                }
            )
    return found


def schemas(description):
    """[(name, [(field, type, required, description)])] of the description's schemas."""
    return [
        {
            "name": name,
            "fields": [
                {
                    "name": field,
                    "type": describe(spec),
                    "required": field in schema.get("required", []),
                    "description": prose(spec.get("description", "")),
                }
                for field, spec in schema.get("properties", {}).items()
            ],
        }
        for name, schema in description.get("components", {}).get("schemas", {}).items()
    ]


class ApiDocsView(Canonical, TemplateView):
    template_name = "api_docs.html"

    def get_context_data(self, **kwargs):
        description = api.get_openapi_schema()
        return super().get_context_data(
            description=description,
            introduction=prose(description["info"].get("description", "")),
            operations=operations(description),
            schemas=schemas(description),
            schema_names=set(description.get("components", {}).get("schemas", {})),
            stability=STABILITY,
            **kwargs,
        )
