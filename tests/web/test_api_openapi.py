"""The OpenAPI document is valid 3.1, served by the app, and describes every API route."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from tests.web.conftest import user_of
from web.api_tokens import issue_token
from web.openapi import OPENAPI


def test_document_is_valid_openapi_3_1() -> None:
    """openapi-spec-validator accepts the document."""
    validate(OPENAPI)
    assert OPENAPI["openapi"].startswith("3.1")


def test_every_api_route_is_documented_and_nothing_else(app) -> None:  # noqa: ANN001
    """Each /api/v1 route and method has an operation in the document, and vice versa."""
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            served |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {
        (path, method) for path, operations in OPENAPI["paths"].items() for method in operations
    }
    assert served == documented


def test_every_operation_documents_its_errors_and_security(app) -> None:  # noqa: ANN001
    """Each operation answers 401 without a token, and its path parameters are described."""
    assert OPENAPI["security"] == [{"bearerAuth": []}]
    for path, operations in OPENAPI["paths"].items():
        for method, operation in operations.items():
            assert "401" in operation["responses"], (method, path)
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), (method, path)


def test_app_serves_the_document_to_token_holders(client, session) -> None:  # noqa: ANN001
    """GET /api/v1/openapi.json returns the same document."""
    _, secret = issue_token(session, user_id=user_of(session, "client").id, name="docs")
    session.commit()
    response = client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.get_json() == OPENAPI
