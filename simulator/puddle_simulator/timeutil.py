"""Wall-clock timestamps: stored as float seconds since the epoch, shown as RFC 3339 UTC."""

import datetime
import time

now = time.time


def rfc3339(timestamp):
    if timestamp is None:
        return None
    moment = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
