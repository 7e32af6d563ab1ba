"""API Gateway's stage path for `make run` (CORRAL_STAGE_PATH=/api): the platform answers under
http://127.0.0.1:<port>/api/... as it does under https://<id>.execute-api.<region>.amazonaws.com/api/...
Like API Gateway, the server strips the stage before routing (the app's routes have no
prefix) and answers a path outside it with 403 {"message": "Forbidden"}. The pages must then
build every link, form and redirect under the stage (web/pages.py: base_path)."""
from __future__ import annotations

import json

from chalice.local import ChaliceRequestHandler


def handler_for(stage: str) -> type:
    stage = "/" + stage.strip("/")

    class StagePathHandler(ChaliceRequestHandler):
        def _generic_handle(self) -> None:
            if self.path != stage and not self.path.startswith(stage + "/") and \
                    not self.path.startswith(stage + "?"):
                body = json.dumps({"message": "Forbidden"}).encode()
                self.send_response(403)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.path = self.path[len(stage):] or "/"
            if self.path.startswith("?"):
                self.path = "/" + self.path
            super()._generic_handle()

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = \
            _generic_handle

    return StagePathHandler
