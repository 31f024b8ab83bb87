# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import PuddleClient
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import (
    SERVER,
    FakeClock,
    FakePuddle,
    FixedRandom,
)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def fake(clock):
    return FakePuddle(clock)


@pytest.fixture
def make_client(fake, clock):
    """PuddleClient on the fake server and clock; random() answers 1.0 (the top of each jitter range)."""
    def make(**kwargs):
        options = dict(server_address=SERVER, api_key_id='demo-key-id', api_secret_key='demo-secret-key',
                       transport=fake, sleep=clock.sleep, monotonic=clock.monotonic, random=FixedRandom(1.0))
        options.update(kwargs)
        return PuddleClient(**options)
    return make


@pytest.fixture
def client(make_client):
    return make_client()
