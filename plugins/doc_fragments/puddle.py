# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):

    # The options every puddle.cloud module shares (plugins/module_utils/puddle_module.py).
    DOCUMENTATION = r"""
options:
  server_address:
    description:
      - Address of the Puddle server, with its scheme, for example C(https://puddle.example.com).
      - If not set, the value of the E(PUDDLE_SERVER_ADDRESS) environment variable is used.
      - Required, as an option or through the environment.
    type: str
  api_key_id:
    description:
      - Id of the Puddle API key to log in with. Use it together with O(api_secret_key).
      - If not set, the E(PUDDLE_API_KEY_ID) environment variable is used, then E(PUDDLE_api_key_id),
        the spelling that Puddle's own Python client reads.
      - Either O(api_key_id) and O(api_secret_key), or O(api_token), must be given.
    type: str
  api_secret_key:
    description:
      - Secret of the Puddle API key named by O(api_key_id). Never logged nor returned.
      - If not set, the E(PUDDLE_API_SECRET_KEY) environment variable is used, then E(PUDDLE_api_secret_key),
        the spelling that Puddle's own Python client reads.
    type: str
  api_token:
    description:
      - A token returned by a Puddle login, used instead of logging in with an API key.
      - A token cannot be renewed by the module; when it expires the task fails and asks for a new one.
        With O(api_key_id) and O(api_secret_key) given too, the module logs in again by itself instead.
      - If not set, the E(PUDDLE_API_TOKEN) environment variable is used. Never logged nor returned.
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the Puddle server.
      - Set to V(false) only for a test server with a self-signed certificate.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM file (or a folder of hashed certificates) with the CA certificates to verify the
        Puddle server with, instead of the system's trusted CAs. Ignored when O(validate_certs=false).
      - If not set, the E(REQUESTS_CA_BUNDLE) or E(CURL_CA_BUNDLE) environment variable is used when set.
    type: path
  request_timeout:
    description:
      - Seconds to wait for an answer to a single request before it counts as lost.
      - Lost answers, unavailable servers and rate limiting are retried with a backoff, within O(retry_timeout).
      - Must be a finite number greater than 0 and at most 31536000 (365 days); anything else fails the task before
        any request.
    type: float
    default: 30
  retry_timeout:
    description:
      - Seconds one request may spend retrying after its first attempt failed (lost answers, V(unavailable),
        V(resource_exhausted)), that is the sleeps between attempts and the attempts after the first. No retry
        starts or lasts past it; a C(Retry-After) or backoff delay longer than what is left fails the task at once,
        with a message naming the bound and the last answer. A request therefore ends at most O(request_timeout) +
        O(retry_timeout) seconds after it was first sent.
      - In a module with a C(wait_timeout) option, no retry of any of the task's requests goes past the end of
        C(wait_timeout) either (counted from the start of the task). The polls of a wait are requests too, and each
        poll's retries stop at O(retry_timeout), and the wait's own deadline cuts them when it comes first.
      - Must be a finite number, 0 or more (0 sends no retry) and at most 31536000 (365 days); anything else (a
        negative number, V(nan), V(inf), more than a year) fails the task before any request.
      - The default leaves room for the whole backoff of 10 retries (at most 65.5 s).
      - Not applied to the calls of Puddle's own Python client (O(api_client=puddle_client)) other than its reads.
    type: float
    default: 90
  api_client:
    description:
      - Which client speaks to Puddle.
      - V(builtin) is the collection's own client for the HTTP API of Puddle described in the collection's C(docs/api.md).
      - V(puddle_client) drives Puddle's own Python client, the C(puddle.client) package that every Puddle offers as a
        wheel in its web UI (user menu, B(Download Python Client)). It must be installed where the modules run. With it,
        O(api_token) and O(ca_path) cannot be used, O(request_timeout) is not applied, and reading back a config.toml is
        not possible (see the guide C(Using Puddle's own Python client)).
      - If not set, the E(PUDDLE_API_CLIENT) environment variable is used.
    type: str
    choices: [builtin, puddle_client]
    default: builtin
requirements:
  - requests (only to reach Puddle through an HTTP proxy)
  - puddle.client, Puddle's own Python client (only with O(api_client=puddle_client))
notes:
  - Answers lost in transit are reconciled, so a retried request never creates a system twice.
  - Requests travel over Python's own C(http.client), which keeps the cost of a task low. When a proxy
    variable applies to O(server_address) (E(HTTPS_PROXY), E(HTTP_PROXY), E(ALL_PROXY), either case) and
    E(NO_PROXY) does not exempt it, they travel through the C(requests) library instead. E(PUDDLE_HTTP_TRANSPORT)
    set to V(requests) or V(http.client) overrides that choice.
"""

    # Modules extend this (puddle.cloud.puddle.actiongroup_puddle) to declare their action group,
    # so that module_defaults with group/puddle.cloud.puddle sets the common options once.
    ACTIONGROUP_PUDDLE = r"""
attributes:
  action_group:
    description: Use C(group/puddle.cloud.puddle) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - puddle.cloud.puddle
"""

    # The attributes every read-only module shares (puddle.cloud.puddle.info_module).
    INFO_MODULE = r"""
attributes:
  check_mode:
    support: full
    details: The module only reads; it runs in check mode like in a normal run.
  diff_mode:
    support: N/A
    details: The module never changes anything.
  platform:
    platforms: all
    details: Runs wherever the Puddle API is reachable, usually C(localhost).
"""
