"""puddle.client: the clients of Puddle (a conformance double of the documented surface)."""

from puddle.client.clients import ImagesClient, InstanceTypesClient, SystemsClient, TagsClient

__all__ = ['ImagesClient', 'InstanceTypesClient', 'SystemsClient', 'TagsClient']
