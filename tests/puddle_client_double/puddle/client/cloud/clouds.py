"""The clouds Puddle knows."""

from puddle.client.cloud import CloudProvider

CLOUD_AWS = CloudProvider('Amazon AWS', 'aws')
CLOUD_AZURE = CloudProvider('Microsoft Azure', 'azure')
CLOUD_GCP = CloudProvider('Google Cloud Platform', 'gcp')
ALL_CLOUDS = (CLOUD_AWS, CLOUD_AZURE, CLOUD_GCP)


def by_id(cloud_id):
    for cloud in ALL_CLOUDS:
        if cloud.id == cloud_id:
            return cloud
    return CloudProvider(cloud_id, cloud_id)
