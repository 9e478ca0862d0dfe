"""The OpenAPI 3.1 description of every API route, fuzzed by the tests.

The schemas are generated from the pydantic models the routes validate with and answer from
(signalserver/models.py, ``model_json_schema``), so no limit is written twice; the paths, their
parameters and statuses are the routes' own table. A test runs schemathesis against this
document on a live server: every documented input must get a documented answer, never a 5xx.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode

from heedful.signalserver import models
from heedful.signalserver.openapi_licensing import licensing_paths

JSON = "application/json"
REF = "#/components/schemas/{model}"
ERROR_REF = {"$ref": REF.format(model="Error")}
INPUTS: tuple[type[BaseModel], ...] = (
    models.CheckIn,
    models.RemovalsQueryIn,
    models.RemovalRequestIn,
    models.DecisionIn,
    models.PolicyIn,
)
OUTPUTS: tuple[type[BaseModel], ...] = (
    models.ErrorOut,
    models.DecisionOut,
    models.PolicyVersionOut,
    models.RemovalPublic,
    models.RemovalAdmin,
    models.HealthOut,
)


def _name(model: type[BaseModel]) -> str:
    return str(model.model_config.get("title") or model.__name__)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=_name(model))}


def schemas() -> dict[str, Any]:
    """Every model's JSON schema under its name, nested models and enums beside them."""
    out: dict[str, Any] = {}
    shapes: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        *((model, "validation") for model in INPUTS),
        *((model, "serialization") for model in OUTPUTS),
    ]
    for model, mode in shapes:
        schema = model.model_json_schema(ref_template=REF, mode=mode)
        out.update(schema.pop("$defs", {}))
        out[_name(model)] = schema
    return out


def _present(field: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema without ``null``: a query parameter is left out, never null."""
    kinds = [k for k in field.get("anyOf", ()) if k != {"type": "null"}]
    if "anyOf" not in field or len(kinds) != 1:
        return field
    out = {k: v for k, v in field.items() if k not in ("anyOf", "default")}
    return {**kinds[0], **out}


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The query parameters an ``...In`` model validates, one per field."""
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    out = []
    for name, field in schema["properties"].items():
        parameter: dict[str, Any] = {"name": name, "in": "query", "schema": _present(field)}
        if name in required:
            parameter["required"] = True
        out.append(parameter)
    return out


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    text = {
        400: "Invalid input; every problem is listed in errors",
        401: "Missing or wrong admin token",
        404: "Not found",
        409: "Already decided",
        413: "Body too large",
        415: "Wrong content type",
        422: "Policy refused; every problem is listed in errors",
        429: "Too many requests from this client (see Retry-After)",
    }
    return {str(s): _json(ERROR_REF, text[s]) for s in statuses}


def _text_file(
    path: str, media: str, summary: str, schema: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "operationId": "get" + "".join(c for c in path.title() if c.isalnum()),
            "tags": ["files"],
            "responses": {
                "200": {
                    "description": summary,
                    "content": {media: {"schema": schema or {"type": "string"}}},
                },
                "304": {"description": "Not modified (If-None-Match / If-Modified-Since)"},
                **({"404": _json(ERROR_REF, "Not published")} if path == "/license.xml" else {}),
            },
        }
    }


ADMIN: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def openapi_document() -> dict[str, Any]:
    id_param = {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "maxLength": 64},
    }
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Heedful signal server",
            "version": "1",
            "description": "One site policy in, every machine-readable AI-use signal out; "
            "removal requests in. Errors always have the Error shape.",
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "clientBasic": {"type": "http", "scheme": "basic"},
            },
            "schemas": schemas(),
        },
        "paths": {
            "/robots.txt": _text_file(
                "/robots.txt", "text/plain", "robots.txt rendered from the policy"
            ),
            "/ai.txt": _text_file(
                "/ai.txt", "text/plain", "Spawning ai.txt rendered from the policy"
            ),
            "/.well-known/tdmrep.json": _text_file(
                "/.well-known/tdmrep.json", JSON, "TDMRep file", {"type": "array"}
            ),
            "/license.xml": _text_file(
                "/license.xml", "application/rsl+xml", "RSL licence document"
            ),
            "/.well-known/heedful/removals.json": _text_file(
                "/.well-known/heedful/removals.json",
                JSON,
                "Approved removals (URLs, withdrawn uses and times only)",
                {"type": "object", "required": ["version", "generated", "removals"]},
            ),
            "/api/v1/check": {
                "get": {
                    "summary": "The explained decision heedful check --json prints",
                    "operationId": "check",
                    "parameters": query_parameters(models.CheckIn),
                    "responses": {
                        "200": _json(_ref(models.DecisionOut), "The decision"),
                        **_errors(400),
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1")},
                }
            },
            "/api/v1/health": {
                "get": {
                    "summary": "Liveness and the live policy version",
                    "operationId": "health",
                    "responses": {"200": _json(_ref(models.HealthOut), "Alive")},
                }
            },
            "/api/v1/removals": {
                "post": {
                    "summary": "Ask for works to be removed; returns the id and a receipt shown once",
                    "operationId": "submitRemoval",
                    "requestBody": {
                        "required": True,
                        "content": {JSON: {"schema": _ref(models.RemovalRequestIn)}},
                    },
                    "responses": {
                        "201": _json(
                            {"type": "object", "required": ["ok", "id", "receipt", "status"]},
                            "Stored",
                        ),
                        **_errors(400, 413, 415, 429),
                    },
                }
            },
            "/api/v1/removals/{id}": {
                "get": {
                    "summary": "A request's status, for whoever holds its receipt",
                    "operationId": "removalStatus",
                    "parameters": [
                        id_param,
                        {
                            "name": "receipt",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 128},
                        },
                    ],
                    "responses": {
                        "200": _json(_ref(models.RemovalPublic), "Status"),
                        **_errors(400, 404),
                    },
                }
            },
            "/api/v1/admin/policy": {
                "get": {
                    "summary": "The live policy, or the one live at ?at=",
                    "operationId": "getPolicy",
                    "security": ADMIN,
                    "parameters": [
                        {
                            "name": "at",
                            "in": "query",
                            "schema": {"type": "string", "format": "date-time"},
                        }
                    ],
                    "responses": {
                        "200": _json(_ref(models.PolicyVersionOut), "Policy"),
                        **_errors(400, 401, 404, 429),
                    },
                },
                "put": {
                    "summary": "Replace the policy (validated; refused with every problem)",
                    "operationId": "putPolicy",
                    "security": ADMIN,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "text/plain": {"schema": {"type": "string"}},
                            "application/toml": {"schema": {"type": "string"}},
                            JSON: {"schema": _ref(models.PolicyIn)},
                        },
                    },
                    "responses": {
                        "201": _json(_ref(models.PolicyVersionOut), "Stored and live"),
                        **_errors(400, 401, 413, 415, 422, 429),
                    },
                },
            },
            "/api/v1/admin/policy/history": {
                "get": {
                    "summary": "Every policy version, oldest first",
                    "operationId": "policyHistory",
                    "security": ADMIN,
                    "responses": {
                        "200": _json({"type": "object", "required": ["versions"]}, "History"),
                        **_errors(401, 429),
                    },
                }
            },
            "/api/v1/admin/policy/versions/{number}": {
                "get": {
                    "summary": "One stored policy version",
                    "operationId": "policyVersion",
                    "security": ADMIN,
                    "parameters": [
                        {
                            "name": "number",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": _json(_ref(models.PolicyVersionOut), "Version"),
                        **_errors(401, 404, 429),
                    },
                }
            },
            "/api/v1/admin/removals": {
                "get": {
                    "summary": "Removal requests with the requesters' details, newest first",
                    "operationId": "listRemovals",
                    "security": ADMIN,
                    "parameters": query_parameters(models.RemovalsQueryIn),
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["removals"],
                                "properties": {
                                    "removals": {
                                        "type": "array",
                                        "items": _ref(models.RemovalAdmin),
                                    }
                                },
                            },
                            "Requests",
                        ),
                        **_errors(400, 401, 429),
                    },
                }
            },
            "/api/v1/admin/removals/{id}": {
                "post": {
                    "summary": "Approve or reject (a rejection needs a reason)",
                    "operationId": "decideRemoval",
                    "security": ADMIN,
                    "parameters": [id_param],
                    "requestBody": {
                        "required": True,
                        "content": {
                            JSON: {"schema": _ref(models.DecisionIn)},
                        },
                    },
                    "responses": {
                        "200": _json(_ref(models.RemovalAdmin), "Decided"),
                        **_errors(400, 401, 404, 409, 413, 415, 429),
                    },
                }
            },
        },
    }
    policy = document["paths"]["/api/v1/admin/policy"]
    policy["post"] = {**policy["put"], "operationId": "postPolicy", "summary": "Same as PUT"}
    document["paths"].update(licensing_paths())
    health = document["paths"]["/api/v1/health"]
    document["paths"]["/healthz"] = {"get": {**health["get"], "operationId": "healthz"}}
    return document
