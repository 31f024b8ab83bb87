"""A loopback web server that is not Puddle's API, for the puddle_server_info target.

    python not_puddle.py PORT_FILE

It writes the port it listens on to PORT_FILE and answers every request by the first part of its path:
/html/...    200, an HTML page (a web site at the address)
/signin/...  302 to /login?next=... (a proxy's single sign-on)
/login       401, a sign-in page
anything else 404 with a plain-text body.
"""

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = b'<!DOCTYPE html><html><head><title>Welcome</title></head><body><p>Not Puddle.</p></body></html>'
SIGN_IN = b'<!DOCTYPE html><html><head><title>Sign in</title></head><body><form></form></body></html>'


class Handler(BaseHTTPRequestHandler):
    def _answer(self):
        length = int(self.headers.get('Content-Length') or 0)
        if length:
            self.rfile.read(length)
        first = self.path.lstrip('/').split('/', 1)[0].split('?', 1)[0]
        if first == 'html':
            self._send(200, 'text/html; charset=utf-8', PAGE)
        elif first == 'signin':
            self._send(302, 'text/html', b'', {'Location': '/login?next=' + self.path})
        elif first == 'login':
            self._send(401, 'text/html', SIGN_IN)
        else:
            self._send(404, 'text/plain', b'404 page not found\n')

    do_GET = do_POST = _answer

    def _send(self, status, content_type, body, headers=None):
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        sys.stderr.write('not_puddle: ' + (format % args) + '\n')


def main():
    server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    with open(sys.argv[1], 'w', encoding='utf-8') as port_file:
        port_file.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == '__main__':
    main()
