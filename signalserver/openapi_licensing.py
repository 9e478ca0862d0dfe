"""The licence server's part of the OpenAPI document (signalserver/openapi.py).

The OLP endpoints speak OAuth 2.0, so their errors are RFC 6749 section 5.2 objects
(``error``, ``error_description``), not the server's Error shape; the admin routes keep it.
"""

from __future__ import annotations

from typing import Any

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
ERROR_REF = {"$ref": "#/components/schemas/Error"}
OAUTH_ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {
        "error": {
            "type": "string",
            "enum": [
                "invalid_request",
                "invalid_client",
                "invalid_grant",
                "invalid_scope",
                "invalid_target",
                "unsupported_grant_type",
                "slow_down",
            ],
        },
        "error_description": {"type": "string"},
    },
}
BASIC: list[dict[str, list[str]]] = [{"clientBasic": []}]
ADMIN: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _oauth_errors() -> dict[str, Any]:
    return {
        "400": _json(OAUTH_ERROR, "RFC 6749 section 5.2 error, with its reason"),
        "401": _json(OAUTH_ERROR, "invalid_client (WWW-Authenticate: Basic)"),
        "429": _json(OAUTH_ERROR, "Too many token requests (see Retry-After)"),
    }


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): _json(ERROR_REF, "Error; every problem is listed in errors") for s in statuses}


def _form(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    return {"required": True, "content": {FORM: {"schema": schema}}}


TEXT: dict[str, Any] = {"type": "string", "maxLength": 16384}


def licensing_paths() -> dict[str, Any]:
    """``/licensing/*`` (OLP) and ``/api/v1/admin/licensing/*``."""
    client_id = {
        "name": "client_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "maxLength": 64},
    }
    return {
        "/licensing/token": {
            "post": {
                "summary": "Obtain a licence token (RSL OLP; RFC 6749 token endpoint)",
                "operationId": "licenceToken",
                "tags": ["licensing"],
                "security": BASIC,
                "requestBody": _form(
                    {
                        "grant_type": {"type": "string", "enum": ["rsl", "client_credentials"]},
                        "resource": {**TEXT, "format": "uri"},
                        "license": TEXT,
                        "scope": TEXT,
                    },
                    ["grant_type", "resource"],
                ),
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["access_token", "token_type", "expires_in", "scope"],
                        },
                        'RFC 6749 section 5.1 response, token_type "License"',
                    ),
                    **_oauth_errors(),
                },
            }
        },
        "/licensing/introspect": {
            "post": {
                "summary": "Is a licence token active? (RFC 7662; the client's own tokens)",
                "operationId": "licenceIntrospect",
                "tags": ["licensing"],
                "security": BASIC,
                "requestBody": _form({"token": TEXT}, ["token"]),
                "responses": {
                    "200": _json(
                        {"type": "object", "required": ["active"]}, "RFC 7662 section 2.2"
                    ),
                    **_oauth_errors(),
                },
            }
        },
        "/licensing/jwks.json": {
            "get": {
                "summary": "The public key licence tokens are signed with (RFC 7517)",
                "operationId": "licenceKeys",
                "tags": ["licensing"],
                "responses": {"200": _json({"type": "object", "required": ["keys"]}, "JWKS")},
            }
        },
        "/api/v1/admin/licensing/clients": {
            "get": {
                "summary": "The registered licence clients (never their secrets)",
                "operationId": "listLicenceClients",
                "security": ADMIN,
                "responses": {
                    "200": _json({"type": "object", "required": ["clients"]}, "Clients"),
                    **_errors(401, 429),
                },
            },
            "post": {
                "summary": "Register a licence client; the secret is in this answer only",
                "operationId": "addLicenceClient",
                "security": ADMIN,
                "requestBody": {
                    "required": True,
                    "content": {
                        JSON: {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string", "maxLength": 200},
                                    "key": {"description": "Web Bot Auth key: JWK or PEM"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": _json(
                        {"type": "object", "required": ["client_id", "client_secret"]},
                        "Registered",
                    ),
                    **_errors(400, 401, 413, 415, 429),
                },
            },
        },
        "/api/v1/admin/licensing/clients/{client_id}/revoke": {
            "post": {
                "summary": "Revoke a client: its tokens stop working",
                "operationId": "revokeLicenceClient",
                "security": ADMIN,
                "parameters": [client_id],
                "responses": {
                    "200": _json({"type": "object"}, "Revoked"),
                    **_errors(401, 404, 429),
                },
            }
        },
        "/api/v1/admin/licensing/statement": {
            "get": {
                "summary": "Amounts per licensee, rightsholder and creator, reconciled",
                "operationId": "licensingStatement",
                "security": ADMIN,
                "parameters": [
                    {
                        "name": "period",
                        "in": "query",
                        "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                    }
                ],
                "responses": {
                    "200": _json({"type": "object", "required": ["reconciliation"]}, "Statement"),
                    **_errors(400, 401, 429),
                },
            }
        },
    }
