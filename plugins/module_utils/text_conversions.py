# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""No silent change of a declared value (docs/reliability.md, "Conversions").

Puddle takes text for names, versions, tag values and config.toml. YAML types an unquoted value
before any module sees it: ``1.10`` is the float 1.1, ``true``/``yes`` are booleans, ``0755`` may
be a number. ansible-core converts a non-text value of a ``str`` option to text silently (``str()``
of what YAML made of it). The collection converts the same way, so a playbook that works keeps
working, but never silently: each conversion gives one warning naming the option (``tags.release``,
``systems[1].version``...), the text that is sent, and that quoting the value sends exactly what was
written. A mapping or a list where text is expected is refused (its text would be Python's repr,
which nobody means). A null is no conversion: it means "not given" (an option) or "no value" (a
tag value, see tag_filters).

The rules apply to every option of type ``str`` without ``choices`` (a choice that is not one of
them is refused by ansible-core anyway), to the ``str`` elements of lists, and to the values (and
names) of the dict options without sub-options: in puddle.cloud those are all tag maps (``tags``,
``prune_tags``, the info module's and the inventory's tag filters).

An option of type ``int`` given an infinity or a NaN (``.inf`` in YAML) is refused, naming the option:
ansible-core's own conversion raises OverflowError on it, which fails the task without saying which
option was wrong.

No Ansible and no HTTP imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

_KIND = {bool: 'boolean', int: 'integer', float: 'float'}


def as_text(value):
    """A non-text scalar as ansible-core converts a str option: str() of the value YAML produced."""
    return value if isinstance(value, str) else str(value)


def _kind(value):
    return _KIND.get(type(value), type(value).__name__)


def conversion_warning(path, value, secret=False):
    """The warning for a non-text scalar sent as text (no value shown for a secret option)."""
    if secret:
        return ('%s: a YAML %s was converted to text; quote the value in YAML so that exactly what was written is '
                'sent.' % (path, _kind(value)))
    return ("%s: the YAML %s %r was converted to the text %r, which is what is sent. YAML types an unquoted value "
            "before the task sees it, so what was written may already be lost (1.10 is read as 1.1, yes as True): "
            "quote the value in YAML (for example '1.10' rather than 1.10) to send exactly what was written."
            % (path, _kind(value), value, as_text(value)))


def refusal(path, value):
    """The message for a mapping or a list where text is expected."""
    kind = 'mapping' if isinstance(value, dict) else 'list'
    return ('%s must be text, got a %s; write it as a quoted string or a YAML block scalar (%s: |) (rule type)'
            % (path, kind, path.rsplit('.', 1)[-1]))


def not_a_finite_number(value):
    """Whether value is an infinity or a NaN, as a float or as text ('inf', '.inf' is not: YAML made it a float)."""
    if isinstance(value, bool) or not isinstance(value, (float, str)):
        return False
    try:
        number = float(value)
    except ValueError:
        return False
    return not math.isfinite(number)


class Conversions(object):
    """What checking one task's parameters found: warnings (converted values) and refusals (path, message)."""

    def __init__(self):
        self.warnings = []
        self.refusals = []

    def scalar(self, path, value, secret=False):
        """Check one value expected as text."""
        if value is None or isinstance(value, str):
            return
        if isinstance(value, (dict, list, tuple)):
            self.refusals.append((path, refusal(path, value)))
            return
        self.warnings.append(conversion_warning(path, value, secret))

    def tag_map(self, path, tags):
        """Check a tag map (or tag filter): names and values are text; a null value means no value."""
        if not isinstance(tags, dict):
            return
        for name, value in tags.items():
            if not isinstance(name, str):
                self.warnings.append("%s: the tag name %r (a YAML %s) was converted to the text %r; quote it in YAML "
                                     "to use exactly the name that was written." % (path, name, _kind(name), as_text(name)))
            self.scalar('%s.%s' % (path, as_text(name)), value)

    def parameters(self, params, argument_spec, prefix=''):
        """Check every option of argument_spec in params (before ansible-core converts them).

        An int option given an infinity or a NaN is refused and removed from params (ansible-core's conversion
        would crash on it before the refusal could be given).
        """
        for name, spec in argument_spec.items():
            value = params.get(name)
            if value is None or name.startswith('_ansible_'):
                continue
            path = prefix + name
            kind = spec.get('type', 'str')
            sub_spec = spec.get('options')
            if kind == 'int' and not_a_finite_number(value):
                # ansible-core's int conversion raises OverflowError on these, which fails the task without naming
                # the option: refuse it here, and leave it out so that the validation that follows does not crash.
                self.refusals.append((path, '%s must be a whole number, got %s (rule type)' % (path, value)))
                del params[name]
            elif kind == 'str' and not spec.get('choices'):
                self.scalar(path, value, secret=bool(spec.get('no_log')))
            elif kind == 'list' and spec.get('elements') == 'str' and not spec.get('choices'):
                items = value if isinstance(value, list) else [value]
                for index, item in enumerate(items):
                    self.scalar('%s[%d]' % (path, index) if isinstance(value, list) else path, item)
            elif kind == 'dict' and not sub_spec:
                self.tag_map(path, value)
            elif kind == 'dict' and isinstance(value, dict):
                self.parameters(value, sub_spec, path + '.')
            elif kind == 'list' and sub_spec and isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, dict):
                        self.parameters(item, sub_spec, '%s[%d].' % (path, index))
        return self


def check_parameters(params, argument_spec):
    """Conversions of a module's parameters: .warnings to give, .refusals to fail with (the first one)."""
    return Conversions().parameters(params, argument_spec)


def check_tag_filter(path, tags):
    """Conversions of a tag filter given outside a module (inventory, event source)."""
    found = Conversions()
    found.tag_map(path, tags)
    return found
