"""Release a system held in provisioning once the simulator has counted enough ListSystems calls.

    release_after_listings.py CONTROL_URL SYSTEM_ID LISTINGS TIMEOUT   (control token in $PUDDLE_CONTROL_TOKEN)

Used by the long-wait tests of puddle_fleet and the fleet role: the task under test polls in
rounds of one listing each; this proves it went through LISTINGS rounds and then completes
normally. Exits 0 once released, 1 if the count was not reached within TIMEOUT seconds.
"""

import json
import os
import sys
import time
import urllib.request


def control(url, method, body):
    request = urllib.request.Request(
        '%s/%s' % (url, method), data=json.dumps(body).encode('utf-8'), method='POST',
        headers={'Content-Type': 'application/json', 'X-Simulator-Control-Token': os.environ['PUDDLE_CONTROL_TOKEN']})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def main(url, system_id, listings, timeout):
    deadline = time.monotonic() + float(timeout)
    counted = 0
    while time.monotonic() < deadline:
        counted = control(url, 'GetRequestCounts', {})['counts'].get('SystemService/ListSystems', 0)
        if counted >= int(listings):
            control(url, 'ForceSystemStatus', {'system_id': system_id, 'status': 'started'})
            print('released %s after %d listings' % (system_id, counted))
            return 0
        time.sleep(0.2)
    print('only %d of %s listings within %s s' % (counted, listings, timeout))
    return 1


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:]))
