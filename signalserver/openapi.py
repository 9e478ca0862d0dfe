"""The OpenAPI 3.1 description of every API route, written by hand and fuzzed by the tests.

A test runs schemathesis against this document on a live server: every documented input must
get a documented answer, never a 5xx.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from policies.model import Mode, Use, Verdict
from signalserver import models

JSON = "application/json"
ERROR_REF = {"$ref": "#/components/schemas/Error"}


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


@cache
def openapi_document() -> dict[str, Any]:
    string = {"type": "string"}
    removal_in = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "contact", "relation"],
        "properties": {
            "urls": {
                "type": "array",
                "maxItems": models.MAX_URLS,
                "items": {"type": "string", "format": "uri", "maxLength": models.MAX_URL_CHARS},
            },
            "url_prefix": {"type": "string", "format": "uri", "maxLength": models.MAX_URL_CHARS},
            "name": {"type": "string", "minLength": 1, "maxLength": models.MAX_NAME_CHARS},
            "contact": {"type": "string", "minLength": 3, "maxLength": models.MAX_CONTACT_CHARS},
            "relation": {"type": "string", "minLength": 1, "maxLength": models.MAX_RELATION_CHARS},
            "text": {"type": "string", "maxLength": models.MAX_TEXT_CHARS},
            "uses": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "enum": [str(use) for use in Use]},
                "description": (
                    "The uses withdrawn (docs/decisions.md vocabulary); a use takes its "
                    "narrower ones with it, except search. Default: every AI use "
                    '["tdm", "ai-train", "genai-train", "ai-input"]. Search is withdrawn '
                    'only when "search" is listed.'
                ),
            },
        },
        "description": (
            "Give either urls (one or more) or url_prefix. Every address must be on the "
            "site's own origin (the policy's [site] url or the server's --base-url: same "
            "scheme, host and port; a subdomain is another site). A refusal is a 400 whose "
            "error and errors[].message are plain sentences for the requester, with "
            "errors[].field naming the field."
        ),
    }
    removal_public = {
        "type": "object",
        "required": [
            "id",
            "status",
            "reason",
            "urls",
            "prefix",
            "uses",
            "created_at",
            "decided_at",
        ],
        "properties": {
            "id": string,
            "status": {"type": "string", "enum": ["pending", "approved", "rejected"]},
            "reason": string,
            "urls": {"type": "array", "items": string},
            "prefix": {"type": "boolean"},
            "uses": {"type": "array", "items": {"type": "string", "enum": [str(u) for u in Use]}},
            "created_at": string,
            "decided_at": {"type": ["string", "null"]},
        },
    }
    removal_admin = {
        "allOf": [
            removal_public,
            {
                "type": "object",
                "required": ["requester_name", "contact", "relation", "text"],
                "properties": dict.fromkeys(
                    ("requester_name", "contact", "relation", "text"), string
                ),
            },
        ]
    }
    version = {
        "type": "object",
        "required": ["number", "version", "sha256", "created_at", "origin"],
        "properties": {
            "number": {"type": "integer"},
            "version": string,
            "sha256": string,
            "created_at": string,
            "origin": string,
            "text": string,
        },
    }
    decision = {
        "type": "object",
        "required": [
            "url",
            "agent",
            "use",
            "mode",
            "verdict",
            "access",
            "uses",
            "reasons",
            "offers",
        ],
        "properties": {
            "url": string,
            "agent": string,
            "use": {"type": "string", "enum": [u.value for u in Use]},
            "mode": {"type": "string", "enum": [m.value for m in Mode]},
            "verdict": {"type": "string", "enum": [v.value for v in Verdict]},
            "access": {"type": "string", "enum": [v.value for v in Verdict]},
            "status": {"type": "integer", "description": "The page's HTTP status, when fetched."},
            "uses": {"type": "object", "additionalProperties": string},
            "reasons": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["signal", "source", "location", "rule", "effect"],
                    "properties": dict.fromkeys(
                        ("signal", "source", "location", "rule", "effect", "note"), string
                    ),
                },
            },
            "offers": {"type": "array", "items": {"type": "object"}},
        },
    }
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
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["ok", "status", "error", "errors"],
                    "properties": {
                        "ok": {"const": False},
                        "status": {"type": "integer"},
                        "error": string,
                        "errors": {
                            "type": "array",
                            "minItems": 1,
                            "items": {"type": "object", "required": ["message"]},
                        },
                    },
                },
                "Decision": decision,
                "RemovalIn": removal_in,
                "PolicyVersion": version,
            },
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
                    "parameters": [
                        {
                            "name": "url",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 4096},
                        },
                        {
                            "name": "agent",
                            "in": "query",
                            "schema": {"type": "string", "maxLength": 200},
                        },
                        {
                            "name": "use",
                            "in": "query",
                            "schema": {"type": "string", "enum": [u.value for u in Use]},
                        },
                        {
                            "name": "mode",
                            "in": "query",
                            "schema": {"type": "string", "enum": [m.value for m in Mode]},
                        },
                        {
                            "name": "tdm_covers_search",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["true", "false", "1", "0"]},
                        },
                    ],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Decision"}, "The decision"),
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
                    "responses": {
                        "200": _json(
                            {"type": "object", "required": ["ok", "policy_version"]}, "Alive"
                        )
                    },
                }
            },
            "/api/v1/removals": {
                "post": {
                    "summary": "Ask for works to be removed; returns the id and a receipt shown once",
                    "operationId": "submitRemoval",
                    "requestBody": {
                        "required": True,
                        "content": {JSON: {"schema": {"$ref": "#/components/schemas/RemovalIn"}}},
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
                    "responses": {"200": _json(removal_public, "Status"), **_errors(400, 404)},
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
                        "200": _json({"$ref": "#/components/schemas/PolicyVersion"}, "Policy"),
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
                            JSON: {
                                "schema": {
                                    "type": "object",
                                    "required": ["text"],
                                    "properties": {"text": string},
                                }
                            },
                        },
                    },
                    "responses": {
                        "201": _json(
                            {"$ref": "#/components/schemas/PolicyVersion"}, "Stored and live"
                        ),
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
                        "200": _json({"$ref": "#/components/schemas/PolicyVersion"}, "Version"),
                        **_errors(401, 404, 429),
                    },
                }
            },
            "/api/v1/admin/removals": {
                "get": {
                    "summary": "Removal requests with the requesters' details, newest first",
                    "operationId": "listRemovals",
                    "security": ADMIN,
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {
                                "type": "string",
                                "enum": ["pending", "approved", "rejected"],
                            },
                        }
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["removals"],
                                "properties": {
                                    "removals": {"type": "array", "items": removal_admin}
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
                            JSON: {
                                "schema": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "required": ["decision"],
                                    "properties": {
                                        "decision": {
                                            "type": "string",
                                            "enum": ["approve", "reject"],
                                        },
                                        "reason": {
                                            "type": "string",
                                            "maxLength": models.MAX_REASON_CHARS,
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json(removal_admin, "Decided"),
                        **_errors(400, 401, 404, 409, 413, 415, 429),
                    },
                }
            },
        },
    }
    policy = document["paths"]["/api/v1/admin/policy"]
    policy["post"] = {**policy["put"], "operationId": "postPolicy", "summary": "Same as PUT"}
    health = document["paths"]["/api/v1/health"]
    document["paths"]["/healthz"] = {"get": {**health["get"], "operationId": "healthz"}}
    return document
