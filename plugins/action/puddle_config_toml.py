# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Controller side of puddle.cloud.puddle_config_toml.

``src`` names a file on the controller (searched like ansible.builtin.copy's ``src``: the role's
or playbook's ``files/`` folders first, vault-encrypted files are decrypted). This plugin reads
it, checks the contract's rules (size, UTF-8, TOML syntax) naming ``src``, and hands the text to
the module as ``content``; the module itself runs wherever the task runs. A ``content`` given
directly is checked here too, because the controller's Python always has ``tomllib``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.plugins.action import ActionBase

from ansible_collections.puddle.cloud.plugins.module_utils.config_toml import (
    MAX_CONFIG_TOML_BYTES,
    ConfigTomlInvalidError,
    validate_content,
)

MODULE_NAME = 'puddle.cloud.puddle_config_toml'


class SourceError(Exception):
    def __init__(self, message, rule=None):
        super(SourceError, self).__init__(message)
        self.message = message
        self.rule = rule


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # nothing is transferred

        module_args = dict(self._task.args)
        src = module_args.get('src')
        content = module_args.get('content')

        try:
            if src is not None and content is None:
                module_args['content'] = self._read_src(to_text(src, errors='surrogate_or_strict'))
                del module_args['src']
            elif content is not None and src is None and isinstance(content, str):
                validate_content(content, 'content')
        except ConfigTomlInvalidError as exc:
            return self._failed(result, exc.message, exc.field, exc.rule)
        except SourceError as exc:
            return self._failed(result, exc.message, 'src', exc.rule)

        # Both or neither given: the module reports it with Ansible's usual wording.
        result.update(self._execute_module(module_name=MODULE_NAME, module_args=module_args, task_vars=task_vars))
        return result

    @staticmethod
    def _failed(result, message, field, rule):
        result.update(
            failed=True,
            changed=False,
            msg=message,
            failure=dict(code='invalid_argument', message=message, field=field, rule=rule, status=None),
        )
        return result

    def _read_src(self, src):
        try:
            found = self._find_needle('files', src)
        except AnsibleError as exc:
            raise SourceError('src %s could not be found on the controller: %s' % (src, to_native(exc)))
        real_path = self._loader.get_real_file(found, decrypt=True)
        try:
            size = os.path.getsize(real_path)
            if size > MAX_CONFIG_TOML_BYTES:
                # Checked before reading, so a huge file is never loaded into memory.
                raise SourceError(
                    'src is %d bytes; config.toml may be at most %d bytes (1 MiB, rule max_size)'
                    % (size, MAX_CONFIG_TOML_BYTES), rule='max_size')
            with open(real_path, 'rb') as handle:
                data = handle.read()
        except (IOError, OSError) as exc:
            raise SourceError('src %s could not be read: %s' % (src, to_native(exc)))
        finally:
            self._loader.cleanup_tmp_file(real_path)
        try:
            text = data.decode('utf-8')
        except UnicodeDecodeError as exc:
            raise SourceError('src must be UTF-8 text: %s' % to_native(exc), rule='type')
        validate_content(text, 'src')
        return text
