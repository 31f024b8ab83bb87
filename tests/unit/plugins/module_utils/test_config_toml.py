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


# -- found by mutation testing (bench/mutation)

def test_the_limit_is_one_mib_of_the_contract():
    # docs/api.md section 6: at most 1 MiB (1,048,576 bytes) of UTF-8.
    assert config_toml.validate_content('a' * 1048576, 'content', loads=TEXT) == 1048576
    with pytest.raises(config_toml.ConfigTomlInvalidError) as info:
        config_toml.validate_content('a' * 1048577, 'content', loads=TEXT)
    assert info.value.message == ('content is 1048577 bytes; config.toml may be at most 1048576 bytes '
                                  '(1 MiB, rule max_size)')


def test_plan_changes_restarts_only_when_asked():
    plan = config_toml.plan_changes(DECLARED, current(DECLARED, OTHER, 'uploaded'), loads=PARSED)
    assert (plan.upload, plan.restart, plan.changed) == (False, False, False)


@pytest.mark.parametrize('state, force, reason', [
    (current(), False, 'content differs'),
    (current(DECLARED, OTHER, 'failed'), False, 'last upload failed'),
    (current(DECLARED, DECLARED, 'applied'), False, 'content equal'),
    (current(DECLARED, DECLARED, 'applied'), True, 'force'),
])
def test_plan_reason_says_why(state, force, reason):
    assert config_toml.plan_changes(DECLARED, state, force=force, loads=PARSED).reason == reason


def test_a_plan_shows_its_decision_in_its_repr():
    plan = config_toml.ConfigTomlPlan(True, False, 'content differs')
    assert repr(plan) == "ConfigTomlPlan(upload=True, restart=False, reason='content differs')"


def test_the_default_diff_limit_is_256_kib():
    # 1,000 lines of 263 bytes: 263,000 bytes, over 256 KiB (262,144) and under the 2,000-line limit.
    after = ''.join('%s\n' % ('x' * 262) for n in range(1000))
    diff, truncated = config_toml.build_diff('', after, 'b', 'a')
    assert truncated
    assert len(config_toml.content_bytes(diff['after'])) <= 256 * 1024
    assert diff['after'].splitlines()[-1] == '# [puddle.cloud diff: truncated, 4 more lines not shown]'
    small = after[:263 * 996]
    assert config_toml.build_diff('', small, 'b', 'a') == ({'before': '', 'after': small, 'before_header': 'b',
                                                           'after_header': 'a'}, False)


def test_one_omitted_line_is_named_in_the_singular():
    before_lines = ['k%d = %d' % (n, n) for n in range(9)]
    after_lines = list(before_lines)
    after_lines[4] = 'k4 = "changed"'
    diff, truncated = config_toml.build_diff('\n'.join(before_lines), '\n'.join(after_lines), 'b', 'a', max_lines=5)
    assert truncated
    assert diff['before'].splitlines()[0] == '# [puddle.cloud diff: 1 unchanged line before the first change omitted]'


def test_the_reason_says_content_differs_for_an_applied_config():
    plan = config_toml.plan_changes(DECLARED, current(OTHER, OTHER, 'applied'), loads=PARSED)
    assert plan.reason == 'content differs'


def test_parsed_comparison_of_texts_with_strings_ignores_comments():
    assert config_toml.configs_equal('# a comment\n{"name": "x"}', '{"name": "x"}', loads=PARSED)


def test_without_a_toml_parser_the_module_compares_texts(monkeypatch):
    import importlib.util
    import sys
    monkeypatch.setitem(sys.modules, 'tomllib', None)
    monkeypatch.setitem(sys.modules, 'tomli', None)
    spec = importlib.util.spec_from_file_location('config_toml_without_parser', config_toml.__file__)
    without_parser = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(without_parser)
    assert without_parser.DEFAULT_TOML_LOADS is None
    assert without_parser.comparison_method() == 'text'


@pytest.mark.parametrize('count', [2000, 1999])
def test_up_to_2000_lines_the_diff_is_whole(count):
    after = ''.join('k%d = %d\n' % (n, n) for n in range(count))
    assert config_toml.build_diff('', after, 'b', 'a')[1] is False


def test_over_2000_lines_the_diff_is_cut():
    after = ''.join('k%d = %d\n' % (n, n) for n in range(2001))
    diff, truncated = config_toml.build_diff('', after, 'b', 'a')
    assert truncated
    assert diff['after'].splitlines()[-1] == '# [puddle.cloud diff: truncated, 1 more line not shown]'


def test_a_text_of_exactly_the_byte_limit_is_whole():
    after = 'x' * 999 + '\n'
    assert config_toml.build_diff('', after, 'b', 'a', max_bytes=1000) == (
        {'before': '', 'after': after, 'before_header': 'b', 'after_header': 'a'}, False)


def test_the_byte_limit_counts_every_line_ending():
    # 1,000 bytes of the first line fill the limit: the empty second line (1 byte) is cut.
    diff, truncated = config_toml.build_diff('', 'x' * 999 + '\n\n', 'b', 'a', max_bytes=1000)
    assert truncated
    assert diff['after'] == 'x' * 999 + '\n# [puddle.cloud diff: truncated, 1 more line not shown]\n'


def test_lines_after_one_over_the_byte_limit_are_cut_too():
    after = 'x' * 900 + '\n' + 'y' * 200 + '\n' + 'z\n'
    diff, truncated = config_toml.build_diff('', after, 'b', 'a', max_bytes=1000)
    assert truncated
    assert diff['after'].splitlines() == ['x' * 900, '# [puddle.cloud diff: truncated, 2 more lines not shown]']


@pytest.mark.parametrize('changed', [0, 1, 4, 7, 8])
@pytest.mark.parametrize('new_value', ['"changed"', '99'])
def test_a_big_diff_keeps_every_change_in_either_direction(changed, new_value):
    # Values that sort before and after the old one: the change is found either way.
    before_lines = ['k%d = %d' % (n, n) for n in range(9)]
    after_lines = list(before_lines)
    after_lines[changed] = 'k%d = %s' % (changed, new_value)
    diff, truncated = config_toml.build_diff('\n'.join(before_lines), '\n'.join(after_lines), 'b', 'a', max_lines=5)
    assert truncated
    text = config_toml.unified_diff(diff)
    assert '-k%d = %d\n+k%d = %s\n' % (changed, changed, changed, new_value) in text


def test_a_failed_upload_is_recognised_in_an_answer_decoded_from_json():
    # GetConfigToml's status arrives as decoded JSON, not as this module's own string constant.
    answer = json.loads(json.dumps(current(DECLARED, OTHER, 'failed')))
    plan = config_toml.plan_changes(DECLARED, answer, loads=PARSED)
    assert (plan.upload, plan.reason) == (True, 'last upload failed')
    answer = json.loads(json.dumps(current(OTHER, DECLARED, 'failed')))
    assert config_toml.plan_changes(DECLARED, answer, loads=PARSED).upload is False


def test_a_change_at_each_end_of_a_big_text_cuts_no_unchanged_tail():
    # Both ends differ (each new line sorts after the old one): nothing is unchanged after the last
    # change, so the only cut is the line limit's, with its own marker.
    before_lines = ['a'] + ['x'] * 20 + ['c']
    after_lines = ['b'] + ['x'] * 20 + ['d']
    diff, truncated = config_toml.build_diff('\n'.join(before_lines), '\n'.join(after_lines), 'b', 'a', max_lines=5)
    assert truncated
    marker = '# [puddle.cloud diff: truncated, 17 more lines not shown]'
    assert diff['before'].splitlines() == ['a', 'x', 'x', 'x', 'x', marker]
    assert diff['after'].splitlines() == ['b', 'x', 'x', 'x', 'x', marker]


def test_repeated_lines_after_a_change_keep_exactly_the_context_lines():
    # 300 identical lines end both texts; the unchanged tail is counted only as far as the shorter
    # text goes past its unchanged head, even where the repeated lines would match further.
    before_lines = ['p'] + ['x'] * 300
    after_lines = ['p', 'y', 'p'] + ['x'] * 300
    diff, truncated = config_toml.build_diff('\n'.join(before_lines), '\n'.join(after_lines), 'b', 'a', max_lines=10)
    assert truncated
    marker = '# [puddle.cloud diff: 297 unchanged lines after the last change omitted]'
    assert diff['before'].splitlines() == ['p', 'x', 'x', 'x', marker]
    assert diff['after'].splitlines() == ['p', 'y', 'p', 'x', 'x', 'x', marker]
