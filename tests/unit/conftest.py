# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared by every unit test (plugins and extensions)."""

import os

import pytest

# Variables that change how requests travel (puddle_http): a test sets the ones it is about.
TRANSPORT_VARIABLES = ('HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE')


@pytest.fixture(autouse=True)
def no_puddle_environment(monkeypatch):
    """Tests never see the PUDDLE_*, proxy or CA bundle variables of the shell that runs them."""
    for name in list(os.environ):
        if name.upper().startswith('PUDDLE_') or name.upper() in TRANSPORT_VARIABLES:
            monkeypatch.delenv(name)
