"""The S3-compatible object store: SeaweedFS natively, MinIO in Docker."""

from __future__ import annotations

from typing import Any

from devenv.compose import fragment, published
from devenv.images import image
from devenv.probes import AllOf, HttpProbe, Probe
from devenv.services import HOST, NativeCommand, NativeLayout, StackContext
from devenv.settings import Settings

# `weed mini` listeners that devenv places itself so that two projects never clash.
# Each gets its gRPC companion at port + 10000.
_JOINED = '"DataNodes":[{'  # the master's topology lists a volume server
INTERNAL_PORTS = ("s3.master", "s3.volume", "s3.filer", "s3.admin", "s3.grpc")
EXTRA_PORTS = ("s3.iceberg", "s3.lance")
# The Unix sockets weed makes beside its listeners: fixed paths, named by service and port,
# which it removes only on a clean exit.
WEED_SOCKET = "/tmp/seaweedfs-{}-{}.sock"  # noqa: S108 - weed's own paths, not a temp file


class S3Service:
    """An S3 endpoint with per-project keys on 127.0.0.1."""

    name = "s3"
    runs_natively = True

    def port_keys(self, settings: Settings, *, native: bool) -> dict[str, int]:
        """The S3 port; natively also weed's internal ports, in Docker MinIO's console."""
        if native:
            return {"s3": settings.s3.port, **dict.fromkeys(INTERNAL_PORTS + EXTRA_PORTS, 0)}
        return {"s3": settings.s3.port, "s3.console": settings.s3.console_port}

    def compose_fragment(self, ctx: StackContext) -> dict[str, Any]:
        """compose/minio.yaml with the image, ports and keys of this project."""
        frag = fragment("minio")
        service = frag["services"]["s3"]
        service["image"] = image(ctx.settings, "minio")
        service["environment"] = {
            "MINIO_ROOT_USER": "${DEVENV_S3_ACCESS_KEY:?run devenv compose}",
            "MINIO_ROOT_PASSWORD": "${DEVENV_S3_SECRET_KEY:?run devenv compose}",
            "MINIO_SITE_REGION": ctx.settings.s3.region,
            "MINIO_BROWSER_REDIRECT": "false",
        }
        service["ports"] = [
            published(ctx.port("s3"), 9000),
            published(ctx.port("s3.console"), 9001),
        ]
        return frag

    def native_command(self, ctx: StackContext, layout: NativeLayout) -> NativeCommand:
        """`weed mini` with every listener on 127.0.0.1 and the extras switched off."""
        weed = str(layout.bin_dir / "weed") if layout.bin_dir else "weed"
        p = ctx.port
        servers = ("master", "volume", "filer", "admin")  # each with its gRPC port at +10000
        grpc = {name: p(f"s3.{name}") + 10000 for name in servers}
        argv = [
            weed,
            f"-logdir={layout.data_dir.parent}",
            "mini",
            f"-dir={layout.data_dir}",
            f"-ip={HOST}",
            f"-ip.bind={HOST}",
            f"-s3.port={p('s3')}",
            f"-s3.port.grpc={p('s3.grpc')}",
            f"-s3.port.iceberg={p('s3.iceberg')}",
            f"-s3.port.lance={p('s3.lance')}",
            *(f"-{name}.port={p(f's3.{name}')}" for name in servers),
            *(f"-{name}.port.grpc={port}" for name, port in grpc.items()),
            "-admin.ui=false",
            "-webdav=false",
            "-master.telemetry=false",
            "-master.volumeSizeLimitMB=256",
            "-volume.preStopSeconds=0",
            "-idleTimeout=2",  # graceful stop waits for idle keep-alive connections
        ]
        sockets = {"s3": p("s3"), "s3-grpc": p("s3.grpc"), "filer": p("s3.filer")}
        sockets |= {f"{name}-grpc": port for name, port in grpc.items()}
        leftovers = tuple(WEED_SOCKET.format(name, port) for name, port in sockets.items())
        env = {
            "AWS_ACCESS_KEY_ID": ctx.secrets.s3_access_key,
            "AWS_SECRET_ACCESS_KEY": ctx.secrets.s3_secret_key,
        }
        return NativeCommand(tuple(argv), env=env, leftovers=leftovers)

    def probe(self, ctx: StackContext) -> Probe:
        """Ready when the S3 API answers (403 to an anonymous request is an answer).

        Natively, SeaweedFS's volume server must also have joined its master: until then the
        S3 API answers but existing objects cannot be read.
        """
        api = HttpProbe(f"http://{HOST}:{ctx.port('s3')}/", below=500)
        if "s3.master" not in ctx.ports:
            return api
        topology = HttpProbe(f"http://{HOST}:{ctx.port('s3.master')}/dir/status", contains=_JOINED)
        return AllOf((api, topology))

    def environment(self, ctx: StackContext) -> dict[str, str]:
        """The S3 variables an AWS SDK reads, pointing at the local store."""
        buckets = list(ctx.settings.bucket_names().values())
        return {
            "S3_ENDPOINT_URL": self.url(ctx),
            "S3_BUCKET_NAME": buckets[0] if buckets else "",
            "AWS_ACCESS_KEY_ID": ctx.secrets.s3_access_key,
            "AWS_SECRET_ACCESS_KEY": ctx.secrets.s3_secret_key,
            "AWS_REGION": ctx.settings.s3.region,
            "AWS_ENDPOINT_URL_S3": self.url(ctx),
        }

    def url(self, ctx: StackContext) -> str:
        """The S3 endpoint."""
        return f"http://{HOST}:{ctx.port('s3')}"


SERVICE = S3Service()
