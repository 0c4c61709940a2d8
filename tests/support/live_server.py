"""An app served over real HTTP on loopback, for tests where someone else calls us."""

from __future__ import annotations

import threading


class LiveServer:
    """An app served over real HTTP on loopback (WeChat fetches our photo links from it)."""

    def __init__(self) -> None:
        from werkzeug.serving import make_server

        self.app = None
        self.server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def _wsgi(self, environ, start_response):
        return self.app(environ, start_response)

    def start(self, application) -> LiveServer:
        self.app = application
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
