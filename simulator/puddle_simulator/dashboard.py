"""The simulator's read-only dashboard: every user's systems and the CU pool, live in a browser.

Not part of Puddle's API. `GET /dashboard` serves a static page (dashboard/) whose script polls
`GET /dashboard/state` every second. Neither route is counted nor subject to faults: the fault
middleware only touches puddle.v2 paths.

Access (docs/api.md §8): a viewer on this machine (a loopback connection naming a loopback host)
needs nothing. Any other viewer, e.g. from another machine when the simulator is bound to
0.0.0.0, or through a local reverse proxy that says who its client is (uvicorn trusts
X-Forwarded-For from loopback), shows the control token once as `/dashboard?token=...`;
the answer sets a cookie derived from the token and redirects to the bare page. Scripts may send
the token in the control API's header instead. The loopback Host check keeps web pages from
reading the state through DNS rebinding.
"""

import hashlib
import hmac
import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from starlette.requests import Request

from puddle_simulator.control_api import TOKEN_HEADER
from puddle_simulator.lifecycle import ALL_STATUSES, CU_CONSUMING_STATUSES
from puddle_simulator.timeutil import rfc3339
from puddle_simulator.views import system_view

PAGE_PATH = "/dashboard"
STATE_PATH = "/dashboard/state"
ASSETS_DIR = Path(__file__).resolve().parent / "dashboard"
ASSETS = {
    "dashboard.css": "text/css; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
ACCESS_COOKIE = "puddle_sim_dashboard"
LIVE_STATUSES = tuple(status for status in ALL_STATUSES if status != "terminated")

# The page loads its own script and style only; nothing may embed it.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
    " img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

DENIED_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Puddle simulator dashboard</title>
<link rel="icon" href="/dashboard/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head>
<body class="denied">
<h1>Puddle simulator dashboard</h1>
<p>%s</p>
<p>The dashboard shows every user's systems, so only viewers on the simulator's own machine
(<code>http://127.0.0.1:&lt;port&gt;/dashboard</code>) see it without a token. From elsewhere,
open <code>/dashboard?token=&lt;control token&gt;</code> once; the simulator prints its control
token when it starts (<code>--control-token</code>).</p>
</body></html>
"""


def access_key(control_token):
    """The cookie value: opens the dashboard only, and does not reveal the control token."""
    return hmac.new(control_token.encode("utf-8"), b"puddle-simulator-dashboard", hashlib.sha256).hexdigest()


def _same_secret(given, expected):
    return bool(given) and hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def _is_loopback_address(host):
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def _names_loopback(host_header):
    try:
        hostname = urlsplit("//" + host_header).hostname or ""
    except ValueError:
        return False
    return hostname == "localhost" or hostname.endswith(".localhost") or _is_loopback_address(hostname)


def is_local_viewer(request):
    client = request.client
    return client is not None and _is_loopback_address(client.host) and _names_loopback(request.headers.get("host", ""))


def is_authorised(request, control_token):
    return (
        is_local_viewer(request)
        or _same_secret(request.headers.get(TOKEN_HEADER), control_token)
        or _same_secret(request.cookies.get(ACCESS_COOKIE), access_key(control_token))
    )


def dashboard_state(sim, base_url):
    """Every user's non-terminated systems (as docs/api.md §3 System objects), grouped by user, and the CU pool."""
    # Straight to the store: polled every second, it must not load every terminated system ever kept.
    with sim.store.transaction(write=False) as tx:
        records = tx.systems_in(LIVE_STATUSES)
    available, consumed = sim.systems.cu_balance()
    # Only the public part of each user: never key ids or secrets.
    groups = {user.id: dict(user.public(), consumed_cu=0, systems=[]) for user in sim.accounts.users}
    for record in records:
        # A database written with another --users file may hold systems of users unknown now.
        group = groups.setdefault(
            record.owner, {"id": record.owner, "name": record.owner, "email": "", "consumed_cu": 0, "systems": []}
        )
        group["systems"].append(system_view(record, base_url))
        if record.status in CU_CONSUMING_STATUSES:
            group["consumed_cu"] += record.cu_per_hour
    timing = sim.timing.as_dict()
    return {
        "server_time": rfc3339(sim.systems.clock()),
        "cu_pool": {"size": available + consumed, "available": available, "consumed": consumed},
        "timing": {"speed": timing["speed"], "minute_seconds": timing["minute_seconds"]},
        "users": list(groups.values()),
    }


def _denied(request, reason):
    if request.url.path == STATE_PATH:
        return JSONResponse(status_code=401, content={"error": reason}, headers=SECURITY_HEADERS)
    return HTMLResponse(DENIED_PAGE % reason, status_code=401, headers=SECURITY_HEADERS)


def mount(app, sim):
    """Add the dashboard's routes (none of them in /openapi.json: they are no API)."""

    def page(request: Request):
        token = request.query_params.get("token")
        if token is not None:
            if not _same_secret(token, sim.control_token):
                return _denied(request, "That is not the simulator's control token.")
            # Drop the token from the address bar and history; the cookie carries access on.
            response = RedirectResponse(PAGE_PATH, status_code=303, headers=SECURITY_HEADERS)
            response.set_cookie(
                ACCESS_COOKIE,
                access_key(sim.control_token),
                path=PAGE_PATH,
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
            )
            return response
        if not is_authorised(request, sim.control_token):
            return _denied(request, "This dashboard needs the simulator's control token from where you are.")
        return FileResponse(ASSETS_DIR / "index.html", media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

    def state(request: Request):
        if not is_authorised(request, sim.control_token):
            return _denied(request, "the dashboard needs the control token from this address")
        return JSONResponse(dashboard_state(sim, str(request.base_url)), headers=SECURITY_HEADERS)

    def asset(name: str):
        if name not in ASSETS:
            return JSONResponse(status_code=404, content={"error": "no such file"})
        # Static code, no data: served to anyone, like the access-denied page.
        return FileResponse(ASSETS_DIR / name, media_type=ASSETS[name], headers=SECURITY_HEADERS)

    def home():
        return RedirectResponse(PAGE_PATH, status_code=307)

    app.add_api_route(PAGE_PATH, page, methods=["GET"], include_in_schema=False)
    app.add_api_route(PAGE_PATH + "/", page, methods=["GET"], include_in_schema=False)
    app.add_api_route(STATE_PATH, state, methods=["GET"], include_in_schema=False)
    app.add_api_route(PAGE_PATH + "/assets/{name}", asset, methods=["GET"], include_in_schema=False)
    app.add_api_route("/", home, methods=["GET"], include_in_schema=False)
