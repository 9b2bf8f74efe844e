"""Host information: ``SYSTEM_ENV_GET`` (environment variables) and ``SYSTEM_PROPERTY_GET``.

Metron reads Java system properties.  There is no JVM here, so the common properties are
answered from the Python process and host:

=====================  =====================================================
``os.name``            ``Linux``, ``Mac OS X`` or ``Windows <release>``
``os.arch``            ``amd64``/``aarch64``... (Java's names for the machine)
``os.version``         the kernel or OS release
``user.name``          the login name of the process
``user.home``          the home directory
``user.dir``           the current working directory
``user.language``      ``en`` and ``user.country`` ``US`` (Stellar's locale)
``user.timezone``      the local time zone name
``line.separator``     ``\\n`` (``\\r\\n`` on Windows)
``file.separator``     ``/`` (``\\`` on Windows)
``path.separator``     ``:`` (``;`` on Windows)
``java.io.tmpdir``     the temporary directory
``file.encoding``      ``UTF-8``
=====================  =====================================================

Any other key, such as ``java.version``, is ``null`` unless it was set in
:data:`SYSTEM_PROPERTIES`, which an embedding application (or a test) may fill, the way
``-Dkey=value`` sets a property for a JVM; values set there win over the computed ones.
"""

from __future__ import annotations

import getpass
import os
import platform
import tempfile
import time
from collections.abc import Callable
from typing import Any

from metron.stellar.functions import stellar

__all__ = ["SYSTEM_PROPERTIES", "system_property"]

#: Properties set explicitly (like ``java -Dkey=value``); they override the computed ones.
SYSTEM_PROPERTIES: dict[str, str] = {}


def _os_name() -> str:
    system = platform.system()
    if system == "Darwin":
        return "Mac OS X"
    if system == "Windows":
        return f"Windows {platform.release()}"
    return system or "Linux"


def _os_arch() -> str:
    machine = platform.machine().lower()
    names = {"x86_64": "amd64", "amd64": "amd64", "i386": "x86", "i686": "x86", "arm64": "aarch64"}
    if platform.system() == "Darwin" and machine == "x86_64":
        return "x86_64"
    return names.get(machine, machine)


def _user_name() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError, ImportError):
        return None


_COMPUTED: dict[str, Callable[[], str | None]] = {
    "os.name": _os_name,
    "os.arch": _os_arch,
    "os.version": platform.release,
    "user.name": _user_name,
    "user.home": lambda: os.path.expanduser("~"),
    "user.dir": os.getcwd,
    "user.language": lambda: "en",
    "user.country": lambda: "US",
    "user.timezone": lambda: time.tzname[0],
    "line.separator": lambda: os.linesep,
    "file.separator": lambda: os.sep,
    "path.separator": lambda: os.pathsep,
    "java.io.tmpdir": tempfile.gettempdir,
    "file.encoding": lambda: "UTF-8",
}


def system_property(key: str) -> str | None:
    """The value of a Java-style system property, or None when it has no equivalent."""
    if key in SYSTEM_PROPERTIES:
        return SYSTEM_PROPERTIES[key]
    compute = _COMPUTED.get(key)
    return None if compute is None else compute()


@stellar(
    "SYSTEM_ENV_GET",
    params=["env_var - the name of the environment variable"],
    returns="the variable's value, or null when it is not set or the name is not a string",
    description="Reads an environment variable of the process evaluating the expression.",
    examples=[
        ("SYSTEM_ENV_GET('METRON_SURELY_UNSET_VARIABLE')", None),
        ("SYSTEM_ENV_GET(42)", None),
    ],
)
def system_env_get(*args: Any) -> str | None:
    if not args or type(args[0]) is not str:
        return None
    return os.environ.get(args[0])


@stellar(
    "SYSTEM_PROPERTY_GET",
    params=["key - the property name, such as os.name, user.home or line.separator"],
    returns="the property's value, or null when it is unknown or the key is not a string",
    description=(
        "Reads a Java-style system property. Common keys (os.name, os.arch, user.name, "
        "user.home, user.dir, line.separator, file.separator, path.separator, java.io.tmpdir, "
        "file.encoding) are answered from the host; JVM-only keys such as java.version are null."
    ),
    examples=[
        ("SYSTEM_PROPERTY_GET('file.encoding')", "UTF-8"),
        ("SYSTEM_PROPERTY_GET('java.version')", None),
    ],
)
def system_property_get(*args: Any) -> str | None:
    if not args or type(args[0]) is not str:
        return None
    return system_property(args[0])
