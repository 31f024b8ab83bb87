"""Stand between a task and the simulator: lose the answer to the first CreateSystem, then refuse everything.

    lose_create_answer.py SERVER_ADDRESS PORT_FILE TIMEOUT   (control token in $PUDDLE_CONTROL_TOKEN)

A plain HTTP proxy on loopback (its port is written to PORT_FILE once it listens) that passes every
request to the simulator at SERVER_ADDRESS as it is, until the first CreateSystem. That one is sent
with the simulator's drop_after_commit fault on, so the simulator stores the system and closes the
connection without an answer, and the proxy closes the task's connection without one too. From then
on the simulator answers every request with its resource_exhausted fault (Retry-After: 0, so the
client's retries cost no time): the task cannot learn whether its CreateSystem was carried out.
The faults are turned off again when the proxy ends: two seconds after its last request once the
answer is lost, or after TIMEOUT seconds. Exits 0 when an answer was lost, 1 otherwise.
"""

import http.client
import http.server
import json
import os
import sys
import time
import urllib.request
from urllib.parse import urlsplit

IDLE_AFTER_LOSS = 2.0
FORWARDED_HEADERS = ('Content-Type', 'Accept', 'X-Puddle-Token')
FAULTS_OFF = {'drop_after_commit_rate': 0, 'resource_exhausted_rate': 0, 'retry_after_seconds': 0}


def set_faults(server_address, knobs):
    request = urllib.request.Request(
        '%s/twirp/puddle.sim.v1.Control/SetFaults' % server_address, data=json.dumps(knobs).encode('utf-8'),
        method='POST', headers={'Content-Type': 'application/json',
                                'X-Simulator-Control-Token': os.environ['PUDDLE_CONTROL_TOKEN']})
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()


class State(object):
    lost_at = None
    last_request = None


def make_handler(server_address, state):
    upstream = urlsplit(server_address)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.0'

        def do_POST(self):
            state.last_request = time.monotonic()
            body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
            losing = state.lost_at is None and self.path.endswith('/CreateSystem')
            if losing:
                set_faults(server_address, {'drop_after_commit_rate': 1.0})
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=30)
            try:
                connection.request('POST', self.path, body=body,
                                   headers=dict((name, self.headers[name]) for name in FORWARDED_HEADERS
                                                if self.headers.get(name) is not None))
                answer = connection.getresponse()
                status, content, retry_after = answer.status, answer.read(), answer.getheader('Retry-After')
            except (http.client.HTTPException, OSError):
                status = None  # the simulator closed the connection without an answer
            finally:
                connection.close()
            if losing:
                set_faults(server_address, {'drop_after_commit_rate': 0, 'resource_exhausted_rate': 1.0,
                                            'retry_after_seconds': 0})
                state.lost_at = time.monotonic()
                self.close_connection = True
                return  # no answer at all: the task's connection is closed
            if status is None:
                self.close_connection = True
                return
            self.send_response(status)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(content)))
            if retry_after is not None:
                self.send_header('Retry-After', retry_after)
            self.end_headers()
            self.wfile.write(content)

    return Handler


def main(server_address, port_file, timeout):
    state = State()
    proxy = http.server.HTTPServer(('127.0.0.1', 0), make_handler(server_address.rstrip('/'), state))
    proxy.timeout = 0.2
    with open(port_file + '.tmp', 'w') as handle:
        handle.write(str(proxy.server_address[1]))
    os.rename(port_file + '.tmp', port_file)
    deadline = time.monotonic() + float(timeout)
    try:
        while time.monotonic() < deadline:
            if state.lost_at is not None and time.monotonic() - state.last_request > IDLE_AFTER_LOSS:
                break
            proxy.handle_request()
    finally:
        set_faults(server_address.rstrip('/'), FAULTS_OFF)
        proxy.server_close()
    print('answer lost' if state.lost_at is not None else 'no CreateSystem within %s s' % timeout)
    return 0 if state.lost_at is not None else 1


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:]))
