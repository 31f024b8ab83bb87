"""Twirp-style errors: one exception type, one place that maps codes to HTTP statuses."""

import json

HTTP_STATUS_BY_CODE = {
    "invalid_argument": 400,
    "malformed": 400,
    "bad_route": 404,
    "unauthenticated": 401,
    "permission_denied": 403,
    "not_found": 404,
    "already_exists": 409,
    "failed_precondition": 412,
    "resource_exhausted": 429,
    "unavailable": 503,
    "internal": 500,
}


class TwirpError(Exception):
    """An error answer: `{"code", "msg", "meta"}` with the HTTP status of its code."""

    def __init__(self, code, msg, http_status=None, headers=None, **meta):
        super().__init__(msg)
        if code not in HTTP_STATUS_BY_CODE:
            raise ValueError("unknown Twirp code %r" % code)
        self.code = code
        self.msg = msg
        # Twirp meta values are strings, always.
        self.meta = {key: str(value) for key, value in meta.items() if value is not None}
        self.http_status = http_status or HTTP_STATUS_BY_CODE[code]
        self.headers = dict(headers or {})

    def body(self):
        return {"code": self.code, "msg": self.msg, "meta": self.meta}

    def body_bytes(self):
        return json.dumps(self.body()).encode("utf-8")


def invalid_argument(field, rule, msg):
    return TwirpError("invalid_argument", "%s: %s" % (field, msg), field=field, rule=rule)


def malformed(msg):
    return TwirpError("malformed", msg)


def bad_route(msg="no such route"):
    return TwirpError("bad_route", msg)


def unauthenticated(reason, msg):
    return TwirpError("unauthenticated", msg, reason=reason)


def not_found(msg="system not found"):
    return TwirpError("not_found", msg)


def failed_precondition(status, action):
    return TwirpError(
        "failed_precondition",
        "cannot %s a system whose status is %s" % (action.replace("_", " "), status),
        status=status,
        action=action,
    )


def cu_pool_short(required_cu, available_cu):
    return TwirpError(
        "failed_precondition",
        "the CU pool is short: %d CU needed, %d available" % (required_cu, available_cu),
        reason="cu_pool_short",
        required_cu=required_cu,
        available_cu=available_cu,
        short_by=required_cu - available_cu,
    )


def already_exists(name, system_id):
    return TwirpError("already_exists", "a system named %s already exists" % name, field="name", system_id=system_id)


def resource_exhausted(retry_after_seconds):
    return TwirpError(
        "resource_exhausted",
        "too many requests, retry later",
        headers={"Retry-After": str(retry_after_seconds)},
        retry_after=retry_after_seconds,
    )


def unavailable(msg="the service is unavailable, retry later"):
    return TwirpError("unavailable", msg)


def internal(msg="internal error"):
    return TwirpError("internal", msg)
