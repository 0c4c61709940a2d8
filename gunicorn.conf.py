"""gunicorn settings for Frontline; gunicorn reads this file from the working directory.

Requests that gunicorn refuses by itself (request line over `limit_request_line`, headers over
`limit_request_fields` / `limit_request_field_size`, a malformed request line) are answered in
the API's JSON error shape, not gunicorn's HTML page."""

from miniapp_api.server_errors import install

install()
