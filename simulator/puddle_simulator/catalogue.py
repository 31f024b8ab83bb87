"""What a user can choose from: images, instance types, tags, and the size of the CU pool."""

import dataclasses

from puddle_simulator.yamlfile import ConfigFileError, entries, load_mapping, require

CLOUDS = ("aws", "azure", "gcp")
PRODUCTS = ("dai", "h2o3")
IMAGE_STATUSES = ("active", "deprecated", "creating", "failed")
USABLE_IMAGE_STATUSES = ("active", "deprecated")
TAG_STATUSES = ("active", "disabled")
PRODUCT_LABELS = {"dai": "Driverless AI", "h2o3": "H2O-3"}


@dataclasses.dataclass(frozen=True)
class Image:
    id: str
    name: str
    cloud: str
    product: str
    version: str
    status: str

    def as_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class InstanceType:
    id: str
    name: str
    cloud: str
    cpu: int
    memory_gb: int
    gpu: int
    cu_per_hour: int

    def as_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Tag:
    name: str
    label: str
    required: bool
    default_value: str
    status: str

    def as_dict(self):
        return dataclasses.asdict(self)


def image_id(cloud, product, version):
    return "%s-%s-%s" % (cloud, product, version)


def image_name(product, version):
    return "%s %s" % (PRODUCT_LABELS[product], version)


def instance_type_id(cloud, name):
    return "%s-%s" % (cloud, name)


def _image(cloud, product, version, status):
    return Image(image_id(cloud, product, version), image_name(product, version), cloud, product, version, status)


_DEFAULT_IMAGE_VERSIONS = (
    ("dai", "1.10.6", "active"),
    ("dai", "1.11.1", "active"),
    ("dai", "1.9.3", "deprecated"),
    ("h2o3", "3.46.0.1", "active"),
    ("dai", "1.8.9", "failed"),
)

# (name, cpu, memory_gb, gpu, cu_per_hour) per cloud.
_DEFAULT_INSTANCE_TYPES = {
    "aws": (("m5.xlarge", 4, 16, 0, 2), ("m5.4xlarge", 16, 64, 0, 8), ("p3.2xlarge", 8, 61, 1, 16)),
    "azure": (
        ("Standard_D4s_v3", 4, 16, 0, 2),
        ("Standard_D16s_v3", 16, 64, 0, 8),
        ("Standard_NC6s_v3", 6, 112, 1, 16),
    ),
    "gcp": (("n1-standard-4", 4, 15, 0, 2), ("n1-standard-16", 16, 60, 0, 8), ("n1-standard-8-t4", 8, 30, 1, 16)),
}

DEFAULT_IMAGES = tuple(
    _image(cloud, product, version, status) for cloud in CLOUDS for product, version, status in _DEFAULT_IMAGE_VERSIONS
)
DEFAULT_INSTANCE_TYPES = tuple(
    InstanceType(instance_type_id(cloud, name), name, cloud, cpu, memory, gpu, cu)
    for cloud, types in _DEFAULT_INSTANCE_TYPES.items()
    for name, cpu, memory, gpu, cu in types
)
DEFAULT_TAGS = (
    Tag("project", "Project", True, "", "active"),
    Tag("cost-center", "Cost center", False, "rnd", "active"),
    Tag("legacy", "Legacy", False, "", "disabled"),
)
DEFAULT_CU_POOL = 1000


@dataclasses.dataclass(frozen=True)
class Catalogue:
    images: tuple = DEFAULT_IMAGES
    instance_types: tuple = DEFAULT_INSTANCE_TYPES
    tags: tuple = DEFAULT_TAGS
    cu_pool: int = DEFAULT_CU_POOL

    def images_of(self, cloud):
        return [image for image in self.images if image.cloud == cloud]

    def instance_types_of(self, cloud):
        return [instance_type for instance_type in self.instance_types if instance_type.cloud == cloud]

    def usable_image(self, cloud, image_id_=None, product=None, version=None):
        """The image a system may be created from, by id or by product and version; None if there is none."""
        candidates = [
            image
            for image in self.images_of(cloud)
            if image.status in USABLE_IMAGE_STATUSES
            and (
                image.id == image_id_ if image_id_ is not None else (image.product, image.version) == (product, version)
            )
        ]
        # An active image wins over a deprecated one of the same version.
        candidates.sort(key=lambda image: USABLE_IMAGE_STATUSES.index(image.status))
        return candidates[0] if candidates else None

    def instance_type(self, cloud, type_id=None, name=None):
        for instance_type in self.instance_types_of(cloud):
            if (type_id is not None and instance_type.id == type_id) or (
                name is not None and instance_type.name == name
            ):
                return instance_type
        return None

    def tag(self, name):
        for tag in self.tags:
            if tag.name == name:
                return tag
        return None


def _load_images(raw_images, path):
    images = []
    for index, entry in enumerate(raw_images):
        where = "%s: images[%d]" % (path, index)
        cloud = _choice(entry, "cloud", CLOUDS, where)
        product = _choice(entry, "product", PRODUCTS, where)
        version = require(entry, "version", str, where)
        status = _choice(entry, "status", IMAGE_STATUSES, where, default="active")
        images.append(
            Image(
                entry.get("id") or image_id(cloud, product, version),
                entry.get("name") or image_name(product, version),
                cloud,
                product,
                version,
                status,
            )
        )
    return tuple(images)


def _load_instance_types(raw_types, path):
    types = []
    for index, entry in enumerate(raw_types):
        where = "%s: instance_types[%d]" % (path, index)
        cloud = _choice(entry, "cloud", CLOUDS, where)
        name = require(entry, "name", str, where)
        numbers = [require(entry, field, int, where) for field in ("cpu", "memory_gb", "gpu", "cu_per_hour")]
        types.append(InstanceType(entry.get("id") or instance_type_id(cloud, name), name, cloud, *numbers))
    return tuple(types)


def _load_tags(raw_tags, path):
    tags = []
    for index, entry in enumerate(raw_tags):
        where = "%s: tags[%d]" % (path, index)
        name = require(entry, "name", str, where)
        tags.append(
            Tag(
                name,
                str(entry.get("label", name)),
                bool(entry.get("required", False)),
                str(entry.get("default_value", "") or ""),
                _choice(entry, "status", TAG_STATUSES, where, default="active"),
            )
        )
    return tuple(tags)


def _choice(entry, field, allowed, where, default=None):
    value = entry.get(field, default)
    if value not in allowed:
        raise ConfigFileError("%s: %s must be one of %s" % (where, field, ", ".join(allowed)))
    return value


def load_catalogue(path=None):
    """The built-in catalogue, with every section a YAML file names replaced by the file's."""
    if path is None:
        return Catalogue()
    data = load_mapping(path)
    sections = {}
    for key, loader in (("images", _load_images), ("instance_types", _load_instance_types), ("tags", _load_tags)):
        raw = entries(data, key, path)
        if raw is not None:
            sections[key] = loader(raw, path)
    if "cu_pool" in data:
        sections["cu_pool"] = require(data, "cu_pool", int, path)
    return Catalogue(**sections)
