# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure config.toml logic: validation, comparison, change planning and diff rendering.

No Ansible and no HTTP in here, so the module, the action plugin (controller side) and the
unit tests all use the very same rules.

Comparison: when a TOML parser is importable (``tomllib`` on Python 3.11+, else ``tomli``),
two texts are equal when they parse to the same data, so comments, blank lines, key order and
formatting never count. Without a parser the texts are compared after normalising line endings
and trailing whitespace (a comment change then uploads once; it never loops because the next
run compares against the text just uploaded).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import hashlib
import math

try:
    import tomllib as _toml_module
except ImportError:  # Python < 3.11
    try:
        import tomli as _toml_module
    except ImportError:
        _toml_module = None

# The loads() of the TOML parser found at import time, or None (text comparison then).
DEFAULT_TOML_LOADS = _toml_module.loads if _toml_module is not None else None

# docs/api.md section 6: config_toml is a UTF-8 string of at most 1 MiB.
MAX_CONFIG_TOML_BYTES = 1024 * 1024

DIFF_MAX_LINES = 2000
DIFF_MAX_BYTES = 256 * 1024
DIFF_CONTEXT_LINES = 3

# Default of the ``loads`` arguments below: the parser in DEFAULT_TOML_LOADS at call time.
USE_DEFAULT_PARSER = object()

COMPARISON_PARSED = 'parsed'
COMPARISON_TEXT = 'text'


class ConfigTomlInvalidError(Exception):
    """The declared content breaks a rule of the contract; raised before any request."""

    def __init__(self, field, rule, message):
        super(ConfigTomlInvalidError, self).__init__(message)
        self.field = field
        self.rule = rule
        self.message = message


def _parser(loads):
    return DEFAULT_TOML_LOADS if loads is USE_DEFAULT_PARSER else loads


def comparison_method(loads=USE_DEFAULT_PARSER):
    """Name of the comparison used with this parser: 'parsed' or 'text'."""
    loads = _parser(loads)
    return COMPARISON_PARSED if loads is not None else COMPARISON_TEXT


def content_bytes(text):
    return text.encode('utf-8')


def checksum(text):
    """sha256 hex digest of the UTF-8 text (what is uploaded)."""
    return hashlib.sha256(content_bytes(text)).hexdigest()


def validate_content(text, field, loads=USE_DEFAULT_PARSER):
    """Check the contract's rules locally; raise ConfigTomlInvalidError naming ``field``.

    Order: max_size first (cheap and it bounds the parse), then toml_syntax when a parser exists.
    """
    loads = _parser(loads)
    size = len(content_bytes(text))
    if size > MAX_CONFIG_TOML_BYTES:
        raise ConfigTomlInvalidError(
            field, 'max_size',
            '%s is %d bytes; config.toml may be at most %d bytes (1 MiB, rule max_size)'
            % (field, size, MAX_CONFIG_TOML_BYTES))
    if loads is not None:
        try:
            loads(text)
        except Exception as exc:  # the parser's own error type differs between tomllib and tomli
            raise ConfigTomlInvalidError(
                field, 'toml_syntax', '%s is not valid TOML (rule toml_syntax): %s' % (field, exc))
    return size


def normalize_text(text):
    """Line endings to LF, trailing whitespace of every line and trailing blank lines dropped."""
    text = (text or '').replace('\r\n', '\n').replace('\r', '\n')
    lines = [line.rstrip() for line in text.split('\n')]
    while lines and not lines[-1]:
        lines.pop()
    return '\n'.join(lines)


def _canonical(value):
    """Make parsed TOML comparable: NaN equals NaN, so a NaN value never loops uploads."""
    if isinstance(value, dict):
        return dict((key, _canonical(item)) for key, item in value.items())
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return ('nan',)
    return value


def configs_equal(first, second, loads=USE_DEFAULT_PARSER):
    """True when two config.toml texts are the same configuration.

    With a parser: parsed data equality. If either side does not parse (a text stored before
    this rule existed), fall back to the normalised text comparison.
    """
    loads = _parser(loads)
    if loads is not None:
        try:
            return _canonical(loads(first or '')) == _canonical(loads(second or ''))
        except Exception:
            pass
    return normalize_text(first) == normalize_text(second)


class ConfigTomlPlan(object):
    """What has to happen so that the system runs (or at least holds) the declared config."""

    def __init__(self, upload, restart, reason):
        self.upload = upload
        self.restart = restart
        self.reason = reason

    @property
    def changed(self):
        return self.upload or self.restart

    def __repr__(self):
        return 'ConfigTomlPlan(upload=%r, restart=%r, reason=%r)' % (self.upload, self.restart, self.reason)


def plan_changes(declared, current, restart=False, force=False, loads=USE_DEFAULT_PARSER):
    """Decide upload/restart from the declared text and a GetConfigToml answer.

    ``current`` holds ``config_toml`` (last uploaded text), ``applied_config_toml`` (what the
    product runs) and ``config_toml_status``. After a failed upload the uploaded text is not
    trustworthy, so the applied text is what the declared content is compared with.
    """
    loads = _parser(loads)
    status = current.get('config_toml_status')  # None when unknown: only a reported 'failed' changes the comparison
    uploaded_text = current.get('config_toml') or ''
    applied_text = current.get('applied_config_toml') or ''
    holding_text = applied_text if status == 'failed' else uploaded_text

    if force:
        upload, reason = True, 'force'
    elif status == 'failed' and not configs_equal(declared, applied_text, loads):
        upload, reason = True, 'last upload failed'
    elif not configs_equal(declared, holding_text, loads):
        upload, reason = True, 'content differs'
    else:
        upload, reason = False, 'content equal'

    needs_restart = False
    if restart:
        if upload:
            needs_restart = True
        elif not configs_equal(declared, applied_text, loads):
            needs_restart, reason = True, 'uploaded but not applied'
    return ConfigTomlPlan(upload, needs_restart, reason)


def _omission_marker(count, where):
    return '# [puddle.cloud diff: %d unchanged line%s %s omitted]' % (count, '' if count == 1 else 's', where)


def _truncate_lines(lines, max_lines, max_bytes):
    """Keep whole lines up to both limits; add a marker line saying how many were cut."""
    kept = []
    used = 0
    for line in lines:
        size = len(content_bytes(line)) + 1
        if len(kept) >= max_lines or used + size > max_bytes:
            break
        kept.append(line)
        used += size
    cut = len(lines) - len(kept)
    if cut:
        kept.append('# [puddle.cloud diff: truncated, %d more line%s not shown]' % (cut, '' if cut == 1 else 's'))
    return kept, bool(cut)


def build_diff(before, after, before_header, after_header, max_lines=DIFF_MAX_LINES,
               max_bytes=DIFF_MAX_BYTES, context=DIFF_CONTEXT_LINES):
    """Diff dict for Ansible's diff callback, kept small for big files.

    Small texts are passed whole. Otherwise the unchanged lines before the first and after the
    last difference (beyond ``context`` lines) are replaced by one identical marker line on both
    sides, and each side is then cut to ``max_lines`` / ``max_bytes`` with a marker. The callback
    renders the unified diff with the headers. Returns (diff_dict, truncated).
    """
    before_text = (before or '').replace('\r\n', '\n').replace('\r', '\n')
    after_text = (after or '').replace('\r\n', '\n').replace('\r', '\n')
    before_lines = before_text.splitlines()
    after_lines = after_text.splitlines()

    def small(text, lines):
        return len(lines) <= max_lines and len(content_bytes(text)) <= max_bytes

    truncated = False
    if not (small(before_text, before_lines) and small(after_text, after_lines)):
        truncated = True
        prefix = 0
        limit = min(len(before_lines), len(after_lines))
        while prefix < limit and before_lines[prefix] == after_lines[prefix]:
            prefix += 1
        suffix = 0
        while (suffix < limit - prefix
               and before_lines[len(before_lines) - 1 - suffix] == after_lines[len(after_lines) - 1 - suffix]):
            suffix += 1
        head_cut = max(prefix - context, 0)
        tail_cut = max(suffix - context, 0)

        def trim(lines):
            middle = lines[head_cut:len(lines) - tail_cut]
            result = []
            if head_cut:
                result.append(_omission_marker(head_cut, 'before the first change'))
            result.extend(middle)
            if tail_cut:
                result.append(_omission_marker(tail_cut, 'after the last change'))
            return result

        before_lines, _cut = _truncate_lines(trim(before_lines), max_lines, max_bytes)
        after_lines, _cut = _truncate_lines(trim(after_lines), max_lines, max_bytes)
        before_text = '\n'.join(before_lines) + ('\n' if before_lines else '')
        after_text = '\n'.join(after_lines) + ('\n' if after_lines else '')

    diff = {
        'before': before_text,
        'after': after_text,
        'before_header': before_header,
        'after_header': after_header,
    }
    return diff, truncated


def unified_diff(diff):
    """Render a build_diff() dict as unified diff text (for tests and callers without a callback)."""
    return ''.join(difflib.unified_diff(
        diff['before'].splitlines(True), diff['after'].splitlines(True),
        fromfile=diff['before_header'], tofile=diff['after_header']))
