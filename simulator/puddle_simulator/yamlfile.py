"""Reading the simulator's YAML inputs with errors that name the file and the entry."""

import yaml


class ConfigFileError(Exception):
    pass


def load_mapping(path):
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as error:
        raise ConfigFileError("%s: %s" % (path, error)) from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigFileError("%s: the top level must be a mapping" % path)
    return data


def entries(data, key, path):
    """The list under `key`, each entry a mapping; None when the key is absent."""
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise ConfigFileError("%s: %s must be a list of mappings" % (path, key))
    return value


def require(entry, field, kind, where):
    value = entry.get(field)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ConfigFileError("%s: %s must be a %s" % (where, field, getattr(kind, "__name__", kind)))
    return value
