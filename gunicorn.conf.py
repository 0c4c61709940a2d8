"""gunicorn settings for Frontline; gunicorn reads this file from the working directory.

Requests that gunicorn refuses by itself (request line over `limit_request_line`, headers over
`limit_request_fields` / `limit_request_field_size`, a malformed request line) are answered in
the API's JSON error shape, not gunicorn's HTML page.

Worker heartbeats go to /dev/shm where there is one: gunicorn touches the heartbeat file all the
time, and on a container's overlay /tmp such a write can stall a worker. Workers and threads are
given on the command line (README: Deployment)."""

import os

from miniapp_api.server_errors import install

install()

if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
