"""Every request check of docs/api.md §1, §4, §5 and §6, in one place and one order.

Order: the body must be a JSON object (malformed); no unknown field (unknown_field); then each
field of the request model in declaration order (the order of the §4 table): its type, the
constraints declared on the model (pattern, max_length, range, enum), then the cross-field rules
registered below for that field. The first broken rule is reported.
"""

import functools
import json
import math
import operator
import re
import tomllib
from typing import Any, Dict, NamedTuple

import annotated_types
import pydantic

from puddle_simulator import errors
from puddle_simulator.models import CreateSystemRequest, UpdateConfigTomlRequest

MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_CONFIG_TOML_BYTES = 1024 * 1024
TAG_VALUE_MAX_LENGTH = 256
# Keep error meta small even when a hostile body uses a huge key.
MAX_REPORTED_FIELD_CHARS = 200


class Validated(NamedTuple):
    request: Any  # the request model instance
    resolved: Dict[str, Any]  # what cross-field rules looked up (image, instance type, tags)


def _reject_constant(name):
    raise ValueError("%s is not JSON" % name)


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def decode_body(raw):
    """The request body as a dict, or `malformed`."""
    try:
        value = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError):
        raise errors.malformed("the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise errors.malformed("the body must be a JSON object")
    try:
        # JSON escapes can spell lone surrogates, which are not text and cannot be stored.
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError):
        raise errors.malformed("the body contains invalid Unicode or nests too deeply") from None
    return value


_BOUNDS = {
    annotated_types.Ge: ("ge", operator.ge),
    annotated_types.Gt: ("gt", operator.gt),
    annotated_types.Le: ("le", operator.le),
    annotated_types.Lt: ("lt", operator.lt),
}


def _field_name(path):
    name = ".".join(str(part) for part in path)
    return name[:MAX_REPORTED_FIELD_CHARS]


@functools.lru_cache(maxsize=None)
def _type_adapter(model, field):
    return pydantic.TypeAdapter(model.model_fields[field].annotation)


def _typed(model, field, value):
    """The value as the field's declared type, else `invalid_argument` (rule type, required or unknown_field)."""
    try:
        return _type_adapter(model, field).validate_python(value, strict=True)
    except pydantic.ValidationError as error:
        problems = error.errors()
        # As at the top level, an unknown field inside a nested object is reported first.
        problem = next((p for p in problems if p["type"] == "extra_forbidden"), problems[0])
        rule = {"extra_forbidden": "unknown_field", "missing": "required"}.get(problem["type"], "type")
        raise errors.invalid_argument(
            _field_name((field,) + tuple(problem["loc"])), rule, problem["msg"].lower()
        ) from None


def _declared_constraints(field, info, value):
    """The constraints the model declares on a field (so models.py and these checks never disagree)."""
    for constraint in info.metadata:
        pattern = getattr(constraint, "pattern", None)
        if pattern is not None and not re.fullmatch(pattern, value):
            raise errors.invalid_argument(field, "pattern", "must match %s" % pattern)
    for constraint in info.metadata:
        if isinstance(constraint, annotated_types.MaxLen) and len(value) > constraint.max_length:
            raise errors.invalid_argument(field, "max_length", "must be at most %d characters" % constraint.max_length)
    for constraint in info.metadata:
        bound = _BOUNDS.get(type(constraint))
        if bound is not None and not bound[1](value, getattr(constraint, bound[0])):
            raise errors.invalid_argument(field, "range", "must be in %s" % _describe_range(info.metadata))
    allowed = (info.json_schema_extra or {}).get("enum")
    if allowed is not None and value not in allowed:
        raise errors.invalid_argument(field, "enum", "must be one of %s" % ", ".join(allowed))


def _describe_range(metadata):
    ends = {bound[0]: getattr(c, bound[0]) for c in metadata for bound in [_BOUNDS.get(type(c))] if bound}
    low = "[%s" % ends["ge"] if "ge" in ends else "(%s" % ends.get("gt", "-inf")
    high = "%s]" % ends["le"] if "le" in ends else "%s)" % ends.get("lt", "inf")
    return "%s, %s" % (low, high)


class _Context:
    def __init__(self, body, catalogue):
        self.body = body
        self.catalogue = catalogue
        self.values = {}
        self.resolved = {}

    def given(self, field):
        return self.body.get(field) is not None


def validate(model, raw_body, catalogue=None):
    """Check a raw request body against `model` and its rules; return Validated or raise TwirpError."""
    body = decode_body(raw_body)
    for key in body:
        if key not in model.model_fields:
            raise errors.invalid_argument(_field_name((key,)), "unknown_field", "unknown field")
    context = _Context(body, catalogue)
    for field, info in model.model_fields.items():
        if context.given(field):
            value = _typed(model, field, body[field])
            _declared_constraints(field, info, value)
        elif info.is_required():
            raise errors.invalid_argument(field, "required", "is required")
        else:
            value = info.get_default(call_default_factory=True)
        context.values[field] = value
        for rule in _CROSS_FIELD_RULES.get((model, field), ()):
            rule(context)
    return Validated(model.model_construct(**context.values), context.resolved)


# ---- cross-field rules of CreateSystem (§4), each run after its field's own checks


def _image_choice(context):
    by_product = context.given("product") or context.given("version")
    if context.given("image_id") and by_product:
        raise errors.invalid_argument("image_id", "exclusive", "give either image_id or product and version, not both")
    if not context.given("image_id") and not by_product:
        raise errors.invalid_argument("image_id", "required", "give image_id, or product and version")
    if context.given("image_id"):
        _resolve_image(context, "image_id", image_id_=context.values["image_id"])


def _product_needs_version(context):
    if context.given("product") and not context.given("version"):
        raise errors.invalid_argument("version", "required_together", "product needs version")
    if context.given("version") and not context.given("product"):
        raise errors.invalid_argument("product", "required_together", "version needs product")


def _version_exists(context):
    if context.given("version"):
        _resolve_image(context, "version", product=context.values["product"], version=context.values["version"])


def _resolve_image(context, field, **query):
    image = context.catalogue.usable_image(context.values["cloud"], **query)
    if image is None:
        raise errors.invalid_argument(
            field, "unknown", "no active or deprecated image of that %s in this cloud" % field
        )
    context.resolved["image"] = image


def _instance_type_choice(context):
    if context.given("instance_type_id") and context.given("instance_type_name"):
        raise errors.invalid_argument(
            "instance_type_id", "exclusive", "give either instance_type_id or instance_type_name"
        )
    if not context.given("instance_type_id") and not context.given("instance_type_name"):
        raise errors.invalid_argument("instance_type_id", "required", "give instance_type_id or instance_type_name")
    if context.given("instance_type_id"):
        _resolve_instance_type(context, "instance_type_id", type_id=context.values["instance_type_id"])


def _instance_type_name_exists(context):
    if context.given("instance_type_name"):
        _resolve_instance_type(context, "instance_type_name", name=context.values["instance_type_name"])


def _resolve_instance_type(context, field, **query):
    instance_type = context.catalogue.instance_type(context.values["cloud"], **query)
    if instance_type is None:
        raise errors.invalid_argument(field, "unknown", "no such instance type in this cloud")
    context.resolved["instance_type"] = instance_type


def _tags(context):
    values = {}
    for tag_data in context.values["tags"]:
        field = "tags." + tag_data.name[:MAX_REPORTED_FIELD_CHARS]
        tag = context.catalogue.tag(tag_data.name)
        if tag is None:
            raise errors.invalid_argument(field, "unknown_tag", "no such tag")
        if tag.status == "disabled":
            raise errors.invalid_argument(field, "disabled_tag", "this tag is disabled")
        if tag.name in values:
            raise errors.invalid_argument(field, "duplicate", "this tag is given more than once")
        if len(tag_data.value) > TAG_VALUE_MAX_LENGTH:
            raise errors.invalid_argument(field, "max_length", "must be at most %d characters" % TAG_VALUE_MAX_LENGTH)
        values[tag.name] = tag_data.value
    for tag in context.catalogue.tags:
        if tag.status == "active" and tag.name not in values and tag.default_value:
            values[tag.name] = tag.default_value
        if tag.status == "active" and tag.required and not values.get(tag.name):
            raise errors.invalid_argument("tags." + tag.name, "required", "this tag needs a value")
    context.resolved["tags"] = [{"name": name, "value": values[name]} for name in sorted(values)]


# ---- UpdateConfigToml (§6)


def _config_toml(context):
    text = context.values["config_toml"]
    if len(text.encode("utf-8")) > MAX_CONFIG_TOML_BYTES:
        raise errors.invalid_argument("config_toml", "max_size", "must be at most %d bytes" % MAX_CONFIG_TOML_BYTES)
    try:
        tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as error:
        raise errors.invalid_argument(
            "config_toml", "toml_syntax", "is not valid TOML (%s)" % str(error)[:200]
        ) from None


_CROSS_FIELD_RULES = {
    (CreateSystemRequest, "image_id"): (_image_choice,),
    (CreateSystemRequest, "product"): (_product_needs_version,),
    (CreateSystemRequest, "version"): (_version_exists,),
    (CreateSystemRequest, "instance_type_id"): (_instance_type_choice,),
    (CreateSystemRequest, "instance_type_name"): (_instance_type_name_exists,),
    (CreateSystemRequest, "tags"): (_tags,),
    (UpdateConfigTomlRequest, "config_toml"): (_config_toml,),
}
