"""Serving a set of Twirp methods on FastAPI: one route per method, one request pipeline.

Pipeline of a call (docs/api.md §1): body size -> authorisation -> validation (validation.py)
-> handler. Blocking work (SQLite, parsing) runs in the worker thread pool.
"""

import dataclasses
from typing import Any, Callable, Optional

from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from puddle_simulator import errors, request_log, validation
from puddle_simulator.models import TwirpErrorBody


@dataclasses.dataclass(frozen=True)
class Method:
    service: str
    name: str
    request_model: Any
    response_model: Any
    handler: Callable  # handler(call: Call) -> dict
    authenticated: bool = True

    @property
    def route(self):
        """`Service/Method`, the key of request counts."""
        return "%s/%s" % (self.service, self.name)


@dataclasses.dataclass
class Call:
    request: Any
    resolved: dict
    principal: Any  # what the package's authorise() returned, None for unauthenticated methods
    token: Optional[str]
    base_url: str


@dataclasses.dataclass(frozen=True)
class Package:
    name: str  # e.g. "puddle.v2"
    methods: tuple
    # authorise(headers) -> principal or raise TwirpError; gets the headers of the call
    authorise: Callable
    token_header: str

    def path(self, method):
        return "/twirp/%s.%s/%s" % (self.name, method.service, method.name)

    def routes_by_path(self):
        return {self.path(method): method.route for method in self.methods}


def error_response(error):
    return JSONResponse(status_code=error.http_status, content=error.body(), headers=error.headers)


async def read_body(request):
    """The body, refusing one over the limit without reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > validation.MAX_BODY_BYTES:
        raise errors.TwirpError(
            "invalid_argument", "body: larger than 2 MiB", http_status=413, field="body", rule="max_size"
        )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > validation.MAX_BODY_BYTES:
            raise errors.invalid_argument("body", "max_size", "larger than 2 MiB")
        chunks.append(chunk)
    return b"".join(chunks)


ERROR_RESPONSES = {
    status: {"model": TwirpErrorBody, "description": "Twirp error"}
    for status in sorted(set(errors.HTTP_STATUS_BY_CODE.values()))
}


def mount(app, package, catalogue):
    """Add one POST route per method of the package to the FastAPI app."""
    for method in package.methods:
        app.add_api_route(
            package.path(method),
            _endpoint(package, method, catalogue),
            methods=["POST"],
            response_model=method.response_model,
            responses=ERROR_RESPONSES,
            name=method.route,
            tags=[package.name],
            openapi_extra=_request_body_schema(method.request_model),
        )


def _request_body_schema(model):
    reference = {"$ref": "#/components/schemas/%s" % model.__name__}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": reference}}}}


def _endpoint(package, method, catalogue):
    def process(raw, headers, base_url, entry):
        principal = package.authorise(headers) if method.authenticated else None
        request_log.record_principal(entry, principal)
        request, resolved = validation.validate(method.request_model, raw, catalogue)
        request_log.record_request(entry, request)
        call = Call(request, resolved, principal, headers.get(package.token_header), base_url)
        result = method.handler(call)
        request_log.record_result(entry, request, result)
        return result

    async def endpoint(request: Request):
        # Set by the fault-injection middleware for puddle.v2 calls only (docs/api.md §8, request log).
        entry = request.scope.get(request_log.SCOPE_KEY)
        try:
            raw = await read_body(request)
            return await run_in_threadpool(process, raw, request.headers, str(request.base_url), entry)
        except errors.TwirpError as error:
            if entry is not None:
                entry.error = error.code
            raise
        except Exception:
            if entry is not None:
                entry.error = "internal"
            raise

    endpoint.__name__ = "%s_%s" % (method.service, method.name)
    return endpoint
