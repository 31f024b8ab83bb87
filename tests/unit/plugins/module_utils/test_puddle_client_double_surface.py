# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The double of puddle.client has exactly the public surface of the reference text (shared/seed/)."""

import inspect
import io
import os
import re

import pytest

from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.puddle_client_double import (
    DOUBLE_ROOT,
    double_module,
    seed_path,
)

CLASS_LINE = re.compile(r'^class puddle\.client\.(\w+)\((.*)\)$')
BASES_LINE = re.compile(r'^Bases: (\S+)$')
CONSTANT_LINE = re.compile(r'^([A-Z][A-Z0-9_]*) = (.+)$')
PROPERTY_LINE = re.compile(r'^property (\w+)$')
METHOD_LINE = re.compile(r'^(\w+)\((.*)\)$')


def parameters(text):
    """'a, b=1' -> [('a', None), ('b', '1')] (None: no default)."""
    result = []
    for item in [part.strip() for part in text.split(',') if part.strip()]:
        name, equals, default = item.partition('=')
        result.append((name.strip(), default.strip() if equals else None))
    return result


def reference_surface(text):
    """{class name: {'signature', 'bases', 'constants', 'properties', 'methods'}} from the reference text."""
    classes = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        match = CLASS_LINE.match(line)
        if match:
            current = classes.setdefault(match.group(1), dict(
                signature=parameters(match.group(2)), bases=None, constants={}, properties=set(), methods={}))
            continue
        if current is None:
            continue
        if BASES_LINE.match(line):
            current['bases'] = BASES_LINE.match(line).group(1)
        elif CONSTANT_LINE.match(line):
            name, value = CONSTANT_LINE.match(line).groups()
            current['constants'][name] = value
        elif PROPERTY_LINE.match(line):
            current['properties'].add(PROPERTY_LINE.match(line).group(1))
        elif METHOD_LINE.match(line):
            name, arguments = METHOD_LINE.match(line).groups()
            current['methods'][name] = parameters(arguments)
    return classes


def implemented_parameters(function):
    result = []
    for parameter in list(inspect.signature(function).parameters.values())[1:]:  # without self
        default = None if parameter.default is inspect.Parameter.empty else repr(parameter.default)
        result.append((parameter.name, default))
    return result


def implemented_surface(cls):
    surface = dict(signature=implemented_parameters(cls.__init__),
                   bases=', '.join('{0}.{1}'.format(base.__module__, base.__name__) for base in cls.__bases__),
                   constants={}, properties=set(), methods={'__init__': implemented_parameters(cls.__init__)})
    for name in dir(cls):
        if name.startswith('_'):
            continue
        member = inspect.getattr_static(cls, name)
        if isinstance(member, property):
            surface['properties'].add(name)
        elif inspect.isfunction(member):
            surface['methods'][name] = implemented_parameters(member)
        else:
            surface['constants'][name] = repr(member)
    return surface


@pytest.fixture(scope='module')
def reference():
    with io.open(seed_path(), encoding='utf-8') as seed:
        surface = reference_surface(seed.read())
    # The parser itself must have found the reference's content, or every comparison would be empty.
    assert set(surface) == {'ImagesClient', 'InstanceTypesClient', 'SystemsClient', 'TagsClient'}
    assert len(surface['SystemsClient']['methods']) == 18  # __init__ and the 17 documented methods
    return surface


def test_the_double_exports_exactly_the_documented_clients(reference):
    client = double_module('puddle.client')
    exported = set(name for name in dir(client) if not name.startswith('_') and inspect.isclass(getattr(client, name)))
    assert exported == set(reference)


@pytest.mark.parametrize('class_name', ['ImagesClient', 'InstanceTypesClient', 'SystemsClient', 'TagsClient'])
@pytest.mark.parametrize('part', ['signature', 'bases', 'constants', 'properties', 'methods'])
def test_each_class_has_the_documented_surface(reference, class_name, part):
    cls = getattr(double_module('puddle.client'), class_name)
    assert implemented_surface(cls)[part] == reference[class_name][part]


def test_a_difference_is_noticed():
    """The comparison fails on an added parameter, a changed default and a missing method."""
    documented = reference_surface('class puddle.client.X(a, b=1)\nBases: m.B\nf(a)\n')['X']

    class Changed(object):
        def __init__(self, a, b=2):
            pass

        def g(self, a, c=None):
            pass

    changed = implemented_surface(Changed)
    assert changed['signature'] != documented['signature']
    assert changed['methods'] != documented['methods']


def test_the_double_imports_nothing_of_the_collection():
    for folder, dummy, files in os.walk(DOUBLE_ROOT):
        for name in files:
            if name.endswith('.py'):
                with io.open(os.path.join(folder, name), encoding='utf-8') as source:
                    text = source.read()
                assert 'ansible_collections' not in text and 'plugins' not in text, name


def test_documented_validation_happens_before_any_request():
    clients = double_module('puddle.client')
    clouds = double_module('puddle.client.cloud.clouds')
    errors = double_module('puddle.client.errors.puddle_errors')
    authorizer = double_module('puddle.client.auth.authorizer').Authorizer('http://127.0.0.1:9', api_key_id='k',
                                                                           api_secret_key='s')
    systems = clients.SystemsClient(clouds.CLOUD_AWS, 'http://127.0.0.1:9', authorizer)
    bad = [dict(name='Bad_Name'), dict(name='x' * 65), dict(name='ok', disk_size_gb=255), dict(name='ok', disk_size_gb=1025),
           dict(name='ok', idle_interval=241), dict(name='ok', product=None, version=None),
           dict(name='ok', instance_type_name=None)]
    for arguments in bad:
        kwargs = dict(name='ok', product=double_module('puddle.client.product.products').PRODUCT_DAI, version='1.11.1',
                      instance_type_name='m5.xlarge')
        kwargs.update(arguments)
        with pytest.raises(errors.ValidationFailedError):
            systems.create(**kwargs)  # port 9 answers nothing: a request would raise ConnectionError instead


def test_missing_credentials_and_address_raise_value_error():
    clients = double_module('puddle.client')
    clouds = double_module('puddle.client.cloud.clouds')
    with pytest.raises(ValueError, match='API key'):
        clients.ImagesClient(clouds.CLOUD_AWS, 'http://127.0.0.1:9')
    with pytest.raises(ValueError, match='PUDDLE_SERVER_ADDRESS'):
        clients.TagsClient()
