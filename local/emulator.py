"""An in-process AWS endpoint for local mode: moto's server plus Corral's extensions."""

from __future__ import annotations

from types import TracebackType

from moto.server import ThreadedMotoServer

from .moto_ext import cloudfront_edge, install, ssm_commands


class Emulator:
    """``with Emulator() as emu: boto3.client("ec2", endpoint_url=emu.endpoint_url)``.

    Serves every moto service on one loopback port (``port=0`` picks a free
    one).  State lives in this process's moto backends, so
    ``local.accounts.bootstrap_account`` works against it directly.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.endpoint_url: str | None = None
        self._server: ThreadedMotoServer | None = None

    def start(self) -> str:
        if self.endpoint_url is not None:
            return self.endpoint_url
        install()
        server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        server.start()
        self._server = server
        host, self.port = server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{self.port}"
        return self.endpoint_url

    def stop(self) -> None:
        ssm_commands.end_processes()   # what the nodes left running (a notebook's Jupyter)
        cloudfront_edge.close_all()    # the distributions' loopback ports
        if self._server is not None:
            self._server.stop()
        self._server = None
        self.endpoint_url = None

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
