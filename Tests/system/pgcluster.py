"""A throw-away PostgreSQL cluster for the system tests (the Python twin of
Tests/GlossTestSupport/ThrowawayPostgres.swift): initdb in a temporary folder, listening on
127.0.0.1 on a port the OS picked, stopped and removed by `destroy()`. As root the server's
programs run as the `postgres` user (PostgreSQL refuses root). Raises with "run make deps" when
PostgreSQL is not installed: a test needing it fails, never skips.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile


def find_bin():
    b = os.environ.get("GLOSS_PG_BIN")
    if b and os.access(os.path.join(b, "initdb"), os.X_OK):
        return b
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if versions:
        return os.path.dirname(versions[-1])
    for d in os.environ.get("PATH", "/usr/local/bin:/usr/bin").split(":"):
        if all(os.access(os.path.join(d, p), os.X_OK) for p in ("initdb", "pg_ctl", "createdb")):
            return d
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, fsync=False):
        self.bin = find_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL's programs (initdb, pg_ctl) were not found: run `make deps` "
                               "(it installs Debian's postgresql), or set GLOSS_PG_BIN to their folder")
        self.as_postgres = os.getuid() == 0
        self.folder = tempfile.mkdtemp(prefix="gloss-pg-")
        if self.as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(self.folder, pw.pw_uid, pw.pw_gid)
        self.databases = 0
        self._run("initdb", "-D", self.data, "-U", "gloss", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N")
        last = None
        for _ in range(3):
            self.port = free_port()
            self.options = (f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c max_connections=300 "
                            f"-c fsync={'on' if fsync else 'off'} -c shared_buffers=64MB")
            try:
                self.start()
                return
            except RuntimeError as e:
                last = e
        raise RuntimeError(f"PostgreSQL did not start: {last}")

    @property
    def data(self):
        return os.path.join(self.folder, "data")

    def _run(self, program, *args, as_server=True):
        cmd = [os.path.join(self.bin, program), *args]
        if self.as_postgres and as_server:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        # Output to files, never pipes: the server pg_ctl starts would keep a pipe open.
        with tempfile.TemporaryFile() as out:
            r = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=120)
            out.seek(0)
            text = out.read().decode("utf-8", "replace")
        if r.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)} failed ({r.returncode}): {text}")
        return text

    def start(self):
        self._run("pg_ctl", "-D", self.data, "-l", os.path.join(self.folder, "server.log"), "-w", "-t", "30",
                  "-o", self.options, "start")

    def stop(self, mode="fast"):
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def create_database(self):
        self.databases += 1
        name = f"gloss_sys_{os.getpid()}_{self.databases}"
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "gloss", name, as_server=False)
        return f"postgres://gloss@127.0.0.1:{self.port}/{name}?sslmode=disable"

    def destroy(self):
        try:
            self.stop("immediate")
        except Exception:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)
