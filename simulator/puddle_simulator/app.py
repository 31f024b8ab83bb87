"""The FastAPI application: Twirp packages, product URLs, health check, Twirp-shaped errors."""

import contextlib
import logging

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic.json_schema import models_json_schema
from starlette.exceptions import HTTPException

from puddle_simulator import __version__, control_api, dashboard, errors, puddle_api, twirp
from puddle_simulator.fault_injection import FaultInjectionMiddleware
from puddle_simulator.views import product_document

LOG = logging.getLogger(__name__)


def build_app(sim):
    @contextlib.asynccontextmanager
    async def lifespan(_app):
        sim.scheduler.start()
        yield
        sim.scheduler.stop()

    app = FastAPI(title="Puddle simulator", version=__version__, lifespan=lifespan, redirect_slashes=False)
    puddle = puddle_api.build_package(sim)
    control = control_api.build_package(sim)
    for package in (puddle, control):
        twirp.mount(app, package, sim.catalogue)
    app.add_middleware(FaultInjectionMiddleware, sim=sim, routes_by_path=puddle.routes_by_path())
    _install_error_handlers(app)
    _install_openapi(app, [method.request_model for package in (puddle, control) for method in package.methods])

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/product/{system_id}/")
    def product(system_id: str):
        record = sim.systems.product_system(system_id)
        if record is None:
            return JSONResponse(status_code=404, content={"error": "no such system"})
        if record.status != "started":
            return JSONResponse(
                status_code=503, content={"error": "the product is not running", "status": record.status}
            )
        return product_document(record)

    dashboard.mount(app, sim)
    app.state.packages = (puddle, control)
    return app


def _install_error_handlers(app):
    @app.exception_handler(errors.TwirpError)
    async def twirp_error(_request, error):
        return twirp.error_response(error)

    @app.exception_handler(HTTPException)
    async def http_error(_request, error):
        # Unknown paths and non-POST methods alike are bad routes in Twirp.
        if error.status_code in (404, 405):
            return twirp.error_response(errors.bad_route("no such route: use POST /twirp/<package>.<Service>/<Method>"))
        return twirp.error_response(errors.TwirpError("internal", str(error.detail), http_status=error.status_code))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request, error):
        # Our endpoints validate their bodies themselves; this only catches path parameters.
        problem = error.errors()[0] if error.errors() else {"loc": ("body",), "msg": "invalid"}
        field = ".".join(str(part) for part in problem["loc"][1:]) or "body"
        return twirp.error_response(errors.invalid_argument(field, "type", str(problem["msg"]).lower()))

    @app.exception_handler(Exception)
    async def unexpected(_request, error):
        LOG.error("unexpected error", exc_info=error)
        return twirp.error_response(errors.internal())


def _install_openapi(app, request_models):
    """FastAPI documents our routes' responses; add the request bodies the endpoints validate themselves."""

    def openapi():
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
            definitions = models_json_schema(
                [(model, "validation") for model in dict.fromkeys(request_models)],
                ref_template="#/components/schemas/{model}",
            )[1]
            schema.setdefault("components", {}).setdefault("schemas", {}).update(definitions["$defs"])
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
