"""The OpenAPI description of the API's error answers, shared by every endpoint.

drf-spectacular documents the success responses; every endpoint can also
answer 400 (invalid filters or input: an object of field -> messages),
401 (no or bad credentials), 403 (no role, or the rules say no), 404 (no such
record, or a page past the end) and 406 (an Accept header we cannot serve).
Documenting them lets clients -- and the schema tests -- rely on the codes.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema

ERROR_BODY = {
    "type": "object",
    "description": 'Either {"detail": "<message>"} or {"<field>": ["<message>", ...]}.',
    "additionalProperties": True,
}
ERRORS = {
    "400": "Invalid filters or input; the body names each field at fault.",
    "401": "No credentials, or bad ones (send `Authorization: Token <key>`).",
    "403": "You may not do this (no role, not a reviewer or admin, four eyes).",
    "404": "No such record, or a page past the end of the list.",
    "406": "The Accept header asks for a format this endpoint does not serve.",
}


class ApiSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERRORS.items():
            responses.setdefault(code, {"description": description})
        for code, documented in responses.items():
            if code.isdigit() and int(code) >= 400 and "content" not in documented:
                documented["content"] = {"application/json": {"schema": ERROR_BODY}}
        return responses
