# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils import config_toml


def strict_json_loads(text):
    """A stand-in parser for tests that must not depend on tomllib/tomli being installed.

    Comments (lines starting with #) and blank lines are dropped, the rest is one JSON object.
    """
    body = '\n'.join(line for line in text.splitlines() if line.strip() and not line.strip().startswith('#'))
    return json.loads(body or '{}')


PARSED = strict_json_loads
TEXT = None


def test_comparison_method_names():
    assert config_toml.comparison_method(PARSED) == 'parsed'
    assert config_toml.comparison_method(TEXT) == 'text'


def test_default_parser_is_tomllib_or_tomli_when_importable():
    try:
        import tomllib as expected
    except ImportError:
        try:
            import tomli as expected
        except ImportError:
            expected = None
    if expected is None:
        assert config_toml.DEFAULT_TOML_LOADS is None
    else:
        assert config_toml.DEFAULT_TOML_LOADS is expected.loads


def test_checksum_is_sha256_of_utf8():
    text = u'name = "caf\u00e9"\n'
    assert config_toml.checksum(text) == hashlib.sha256(text.encode('utf-8')).hexdigest()


def test_validate_accepts_exactly_one_mib():
    text = 'a' * config_toml.MAX_CONFIG_TOML_BYTES
    assert config_toml.validate_content(text, 'content', loads=TEXT) == config_toml.MAX_CONFIG_TOML_BYTES


def test_validate_rejects_oversize_counting_utf8_bytes():
    # 2-byte characters: fewer characters than the limit, more bytes.
    text = u'\u00e9' * (config_toml.MAX_CONFIG_TOML_BYTES // 2 + 1)
    with pytest.raises(config_toml.ConfigTomlInvalidError) as info:
        config_toml.validate_content(text, 'src', loads=TEXT)
    assert info.value.field == 'src'
    assert info.value.rule == 'max_size'
    assert 'src' in info.value.message and '1 MiB' in info.value.message


def test_validate_rejects_invalid_syntax_with_parser():
    with pytest.raises(config_toml.ConfigTomlInvalidError) as info:
        config_toml.validate_content('{"a": ', 'content', loads=PARSED)
    assert (info.value.field, info.value.rule) == ('content', 'toml_syntax')
    assert 'content is not valid TOML' in info.value.message


def test_validate_without_parser_accepts_any_text_under_the_limit():
    assert config_toml.validate_content('this is [not toml', 'content', loads=TEXT) == len('this is [not toml')


def test_size_checked_before_syntax():
    text = '[' * (config_toml.MAX_CONFIG_TOML_BYTES + 1)
    with pytest.raises(config_toml.ConfigTomlInvalidError) as info:
        config_toml.validate_content(text, 'content', loads=PARSED)
    assert info.value.rule == 'max_size'


def test_default_validation_uses_the_parser_found_at_import():
    broken = 'key = = 1\n'
    if config_toml.DEFAULT_TOML_LOADS is None:
        # No parser on this Python: only the size rule is checked locally, Puddle checks syntax.
        assert config_toml.validate_content(broken, 'content') == len(broken)
    else:
        with pytest.raises(config_toml.ConfigTomlInvalidError) as info:
            config_toml.validate_content(broken, 'content')
        assert info.value.rule == 'toml_syntax'
    assert config_toml.validate_content('key = 1\n', 'content') == 8


def test_normalize_text():
    assert config_toml.normalize_text('a = 1  \r\nb = 2\t\r\n\r\n\n') == 'a = 1\nb = 2'
    assert config_toml.normalize_text(None) == ''


def test_text_comparison_ignores_line_endings_and_trailing_whitespace():
    assert config_toml.configs_equal('a = 1\nb = 2\n', 'a = 1   \r\nb = 2\r\n\r\n', loads=TEXT)


def test_text_comparison_sees_comment_and_indent_changes():
    assert not config_toml.configs_equal('# one\na = 1\n', '# two\na = 1\n', loads=TEXT)
    assert not config_toml.configs_equal('a = 1\n', '  a = 1\n', loads=TEXT)


def test_parsed_comparison_ignores_comments_blank_lines_and_layout():
    assert config_toml.configs_equal('# one\n{"a": 1, "b": [1, 2]}\n', '\n\n# two\n{"b": [1, 2],\n "a": 1}', loads=PARSED)


def test_parsed_comparison_sees_value_changes():
    assert not config_toml.configs_equal('{"a": 1}', '{"a": 2}', loads=PARSED)


def test_parsed_comparison_treats_nan_as_equal_to_itself():
    def loads(text):
        return {'x': float('nan')} if text else {}
    assert config_toml.configs_equal('nan', 'nan again', loads=loads)
    assert not config_toml.configs_equal('nan', '', loads=loads)


def test_parsed_comparison_falls_back_to_text_when_a_side_does_not_parse():
    assert config_toml.configs_equal('not json', 'not json  \n', loads=PARSED)
    assert not config_toml.configs_equal('not json', '{"a": 1}', loads=PARSED)


def test_empty_equals_never_uploaded():
    assert config_toml.configs_equal('', None, loads=TEXT)
    assert config_toml.configs_equal('# just a comment\n', '', loads=PARSED)


def current(uploaded='', applied='', status='none'):
    return {'config_toml': uploaded, 'applied_config_toml': applied, 'config_toml_status': status}


DECLARED = '{"a": 1}'
COMMENTED = '# comment\n{"a": 1}\n'
OTHER = '{"a": 2}'


@pytest.mark.parametrize('state, restart, force, expected', [
    # never uploaded
    (current(), False, False, (True, False)),
    (current(), True, False, (True, True)),
    # equal and applied
    (current(DECLARED, DECLARED, 'applied'), False, False, (False, False)),
    (current(DECLARED, DECLARED, 'applied'), True, False, (False, False)),
    # comment-only difference never uploads nor restarts (parsed comparison)
    (current(COMMENTED, COMMENTED, 'applied'), True, False, (False, False)),
    # uploaded but not applied: a restart is due only when restart=true
    (current(DECLARED, OTHER, 'uploaded'), False, False, (False, False)),
    (current(DECLARED, OTHER, 'uploaded'), True, False, (False, True)),
    # content differs
    (current(OTHER, OTHER, 'applied'), False, False, (True, False)),
    (current(OTHER, OTHER, 'applied'), True, False, (True, True)),
    # force uploads equal content (and restarts when asked)
    (current(DECLARED, DECLARED, 'applied'), False, True, (True, False)),
    (current(DECLARED, DECLARED, 'applied'), True, True, (True, True)),
    # a failed upload: the applied text is what counts
    (current(DECLARED, OTHER, 'failed'), False, False, (True, False)),
    (current(OTHER, DECLARED, 'failed'), False, False, (False, False)),
    # an upload in flight of the declared text is not a change
    (current(DECLARED, OTHER, 'uploading'), False, False, (False, False)),
])
def test_plan_changes(state, restart, force, expected):
    plan = config_toml.plan_changes(DECLARED, state, restart=restart, force=force, loads=PARSED)
    assert (plan.upload, plan.restart) == expected
    assert plan.changed == any(expected)


def test_plan_reason_for_pending_restart():
    plan = config_toml.plan_changes(DECLARED, current(DECLARED, '', 'uploaded'), restart=True, loads=PARSED)
    assert plan.reason == 'uploaded but not applied'


def test_plan_with_text_comparison_uploads_comment_change_once():
    first = config_toml.plan_changes(COMMENTED, current(DECLARED, DECLARED, 'applied'), restart=True, loads=TEXT)
    assert (first.upload, first.restart) == (True, True)
    # after that upload and restart the same task is a no-op: no loop
    second = config_toml.plan_changes(COMMENTED, current(COMMENTED, COMMENTED, 'applied'), restart=True, loads=TEXT)
    assert not second.changed


def test_small_diff_passes_whole_texts_with_headers():
    diff, truncated = config_toml.build_diff('a = 1\n', 'a = 2\n', 'sys/config.toml (current)', 'sys/config.toml (declared)')
    assert not truncated
    assert diff == {'before': 'a = 1\n', 'after': 'a = 2\n',
                    'before_header': 'sys/config.toml (current)', 'after_header': 'sys/config.toml (declared)'}
    text = config_toml.unified_diff(diff)
    assert text.startswith('--- sys/config.toml (current)\n+++ sys/config.toml (declared)\n')
    assert '-a = 1\n+a = 2\n' in text


def test_big_diff_keeps_the_change_with_context_and_marks_omissions():
    before_lines = ['key_%d = %d' % (n, n) for n in range(5000)]
    after_lines = list(before_lines)
    after_lines[2500] = 'key_2500 = "changed"'
    before = '\n'.join(before_lines) + '\n'
    after = '\n'.join(after_lines) + '\n'
    diff, truncated = config_toml.build_diff(before, after, 'b', 'a', max_lines=2000)
    assert truncated
    assert len(diff['before'].splitlines()) == 1 + 7 + 1
    assert '2497 unchanged lines before the first change omitted' in diff['before']
    assert '2496 unchanged lines after the last change omitted' in diff['after']
    text = config_toml.unified_diff(diff)
    assert '-key_2500 = 2500\n+key_2500 = "changed"\n' in text
    assert ' key_2497 = 2497\n' in text and ' key_2503 = 2503\n' in text


def test_huge_change_is_cut_to_the_line_limit_with_a_marker():
    before = ''.join('old_%d = 1\n' % n for n in range(3000))
    after = ''.join('new_%d = 1\n' % n for n in range(3000))
    diff, truncated = config_toml.build_diff(before, after, 'b', 'a', max_lines=2000)
    assert truncated
    after_lines = diff['after'].splitlines()
    assert len(after_lines) == 2001
    assert after_lines[-1] == '# [puddle.cloud diff: truncated, 1000 more lines not shown]'


def test_diff_is_cut_to_the_byte_limit():
    before = ''
    after = ''.join('%s\n' % ('x' * 99) for n in range(100))  # 10,000 bytes
    diff, truncated = config_toml.build_diff(before, after, 'b', 'a', max_bytes=1000)
    assert truncated
    lines = diff['after'].splitlines()
    assert lines[:-1] == ['x' * 99] * 10
    assert lines[-1] == '# [puddle.cloud diff: truncated, 90 more lines not shown]'
    assert diff['before'] == ''


def test_big_identical_texts_give_no_diff_lines():
    text = ''.join('k%d = %d\n' % (n, n) for n in range(5000))
    diff, truncated = config_toml.build_diff(text, text, 'b', 'a', max_lines=100)
    assert truncated
    assert diff['before'] == diff['after']
    assert len(diff['before'].splitlines()) <= 4
    assert config_toml.unified_diff(diff) == ''
