"""A throwaway OpenLDAP server for tests: Debian's ``slapd`` on a free loopback port.

:class:`Slapd` writes a ``slapd.conf`` into a folder of its own (core, cosine,
inetorgperson from the system, then edusync's eduPerson, eduOrg and norEdu*
schemas), an mdb database for ``dc=example,dc=no`` with a root DN and password,
starts slapd in the foreground with the ``stats`` log level, and creates the
suffix entry. The log lets a test count the operations the server received, so
"nothing was done twice" is checked against what the server saw, not what the
client believes. ``kill()`` and ``start()`` again keep the database, as a real
server that crashed and came back would.

Needs the ``slapd`` and ``ldap-utils`` packages (``.ci/run`` installs them).
"""

from __future__ import annotations

import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path
from types import TracebackType


def free_port() -> int:
    """A loopback port that was free a moment ago (slapd is told to listen there)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SCHEMA_DIR = Path(__file__).resolve().parent.parent / "connectors" / "ldap" / "schema"
#: edusync's own schema files, in load order (after the system's core, cosine, inetorgperson).
PROJECT_SCHEMAS = ("eduperson", "eduorg", "noredu")
SYSTEM_SCHEMA_DIR = Path("/etc/ldap/schema")
SYSTEM_SCHEMAS = ("core", "cosine", "inetorgperson")
SLAPD = "/usr/sbin/slapd"
MODULE_DIR = Path("/usr/lib/ldap")

_OP = re.compile(r"(conn=\d+ op=\d+) (ADD|MOD|DEL|MODRDN) dn=\"([^\"]*)\"")
_RESULT = re.compile(r"(conn=\d+ op=\d+) RESULT tag=\d+ err=(\d+)")
_MOD_DN = re.compile(r"(conn=\d+ op=\d+) MOD dn=\"([^\"]*)\"")
_MOD_ATTR = re.compile(r"(conn=\d+ op=\d+) MOD attr=(.*)$")


def slapd_available() -> bool:
    """True where slapd, its mdb module and the system schemas are installed."""
    return Path(SLAPD).exists() and shutil.which("ldapadd") is not None and (SYSTEM_SCHEMA_DIR / "core.schema").exists()


def _config(folder: Path, suffix: str, root_dn: str, password: str) -> str:
    includes = [SYSTEM_SCHEMA_DIR / f"{n}.schema" for n in SYSTEM_SCHEMAS]
    includes += [SCHEMA_DIR / f"{n}.schema" for n in PROJECT_SCHEMAS]
    lines = [f"include {p}" for p in includes]
    lines += [
        f"pidfile {folder / 'slapd.pid'}",
        f"argsfile {folder / 'slapd.args'}",
        f"modulepath {MODULE_DIR}",
        "moduleload back_mdb",
        "sizelimit unlimited",
        "database mdb",
        "maxsize 67108864",
        f'suffix "{suffix}"',
        f'rootdn "{root_dn}"',
        f"rootpw {password}",
        f"directory {folder / 'data'}",
        "index objectClass eq",
        "index cn,employeeNumber eq",
    ]
    return "\n".join(lines) + "\n"


class Slapd:
    """One slapd process over one database folder; start, kill and start again."""

    def __init__(
        self,
        folder: Path,
        suffix: str = "dc=example,dc=no",
        password: str | None = None,
    ) -> None:
        self.folder = folder
        self.suffix = suffix
        self.root_dn = f"cn=admin,{suffix}"
        self.password = password or secrets.token_urlsafe(16)
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.log_path = folder / "slapd.log"
        self._process: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "data").mkdir(exist_ok=True)
        (folder / "slapd.conf").write_text(_config(folder, suffix, self.root_dn, self.password), encoding="utf-8")

    # -- process ----------------------------------------------------------------------------

    def start(self, timeout: float = 15.0) -> Slapd:
        """Start slapd (or start it again on the same port and data) and wait until it answers."""
        log = self.log_path.open("ab")
        args = [SLAPD, "-f", str(self.folder / "slapd.conf"), "-h", f"{self.url}/", "-d", "stats"]
        self._process = subprocess.Popen(args, stdout=log, stderr=log)  # noqa: S603 - fixed argv
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"slapd exited with {self._process.returncode}:\n{tail}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"slapd did not listen on {self.url} within {timeout}s") from None
                time.sleep(0.05)
        self._ensure_suffix()
        return self

    def kill(self) -> None:
        """Stop slapd at once (SIGKILL), as a crash or a pulled cable would."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=10)
        self._process = None

    def stop(self) -> None:
        """Stop slapd cleanly."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._process = None

    def __enter__(self) -> Slapd:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # -- data -------------------------------------------------------------------------------

    def ldap(self, tool: str, ldif: str = "", *args: str) -> str:
        """Run an ldap-utils command (``ldapadd``, ``ldapmodify``, ``ldapsearch``…) as the root DN."""
        argv = [tool, "-x", "-H", self.url, "-D", self.root_dn, "-w", self.password, *args]
        done = subprocess.run(argv, input=ldif.encode(), capture_output=True, timeout=30, check=False)  # noqa: S603
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
        return done.stdout.decode()

    def add_container(self, dn: str) -> None:
        """Create an organizationalUnit entry (for instance a base DN for one test)."""
        ou = dn.split(",", 1)[0].split("=", 1)[1]
        self.ldap("ldapadd", f"dn: {dn}\nobjectClass: organizationalUnit\nou: {ou}\n")

    def _ensure_suffix(self) -> None:
        dc = self.suffix.split(",", 1)[0].split("=", 1)[1]
        ldif = f"dn: {self.suffix}\nobjectClass: dcObject\nobjectClass: organization\ndc: {dc}\no: {dc}\n"
        try:
            self.ldap("ldapadd", ldif)
        except RuntimeError as exc:
            if "Already exists" not in str(exc):
                raise

    def operations(self) -> Counter[tuple[str, str]]:
        """How many ADD, MOD, DEL and MODRDN requests the server carried out, per (operation, lower-cased DN).

        Only requests answered with success count: slapd answers after its
        transaction commits, so a request cut off by a kill was never applied.
        """
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        pending: dict[str, tuple[str, str]] = {}
        done: Counter[tuple[str, str]] = Counter()
        for line in text.splitlines():
            if m := _OP.search(line):
                pending[m.group(1)] = (m.group(2), m.group(3).lower())
            elif (m := _RESULT.search(line)) and m.group(1) in pending:
                op = pending.pop(m.group(1))
                if m.group(2) == "0":
                    done[op] += 1
        return done

    def modified_attributes(self, dn: str) -> list[set[str]]:
        """For each MOD request the server logged on ``dn``, the attributes it touched (lower-cased)."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        wanted, ops = dn.lower(), {}
        found: list[set[str]] = []
        for line in text.splitlines():
            if m := _MOD_DN.search(line):
                ops[m.group(1)] = m.group(2).lower()
            elif (m := _MOD_ATTR.search(line)) and ops.get(m.group(1)) == wanted:
                found.append({a.lower() for a in m.group(2).split()})
        return found
