"""Before Qt starts on Linux: are the system libraries its window plugin needs there? When one is missing, Qt itself
prints "Could not load the Qt platform plugin "xcb"" and, since Qt 6.5, names xcb-cursor0 even when that one is
installed and another is not (seen on a bare Debian: libxcb-icccm4 and libxcb-keysyms1 were missing). This asks
the dynamic linker (``ldd``) what the xcb plugin cannot find and prints the one ``apt-get install`` line that
adds it. No Qt import here: this must run before Qt aborts the process."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# Debian/Ubuntu packages whose name does not follow from the library's (libfoo.so.N → libfooN, libfoo-1.so.N →
# libfoo-1-N): the rest do
PACKAGES = {"libglib-2.0.so.0": "libglib2.0-0", "libgthread-2.0.so.0": "libglib2.0-0",
            "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1", "libOpenGL.so.0": "libopengl0",
            "libGLX.so.0": "libglx0", "libX11.so.6": "libx11-6", "libX11-xcb.so.1": "libx11-xcb1",
            "libICE.so.6": "libice6", "libSM.so.6": "libsm6", "libfreetype.so.6": "libfreetype6",
            "libz.so.1": "zlib1g", "libpng16.so.16": "libpng16-16", "libgssapi_krb5.so.2": "libgssapi-krb5-2"}
# What the README and .ci/run install on a bare box: Qt's own needs and its xcb plugin's
APT_LINE = ("libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0 "
            "libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 "
            "libxcb-shape0 libxcb-randr0 libxcb-xfixes0 libxcb-sync1 libxcb-xkb1 libxcb-shm0")


def package_of(soname: str) -> str:
    """The Debian package that ships a shared library, from its name."""
    if soname in PACKAGES:
        return PACKAGES[soname]
    m = re.match(r"^(lib[\w+.-]*?)\.so\.(\d+)", soname)
    if not m:
        return soname
    base, major = m.group(1).lower(), m.group(2)
    return f"{base}-{major}" if base[-1].isdigit() else f"{base}{major}"


def _plugin_files() -> list[Path]:
    """The xcb platform plugin and Qt's library it links (where PySide6 keeps them)."""
    import importlib.util

    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return []
    qt = Path(list(spec.submodule_search_locations)[0]) / "Qt"
    return [p for p in (qt / "plugins" / "platforms" / "libqxcb.so", qt / "lib" / "libQt6XcbQpa.so.6") if p.exists()]


def missing_libraries(files: list[Path] | None = None, ldd: str | None = None) -> list[str]:
    """Shared libraries ``ldd`` reports "not found" for the xcb plugin (sorted, no duplicates)."""
    ldd = ldd or shutil.which("ldd")
    files = _plugin_files() if files is None else files
    if not ldd or not files:
        return []
    env = dict(os.environ)
    qt_lib = files[0].parents[2] / "lib"  # PySide6's own Qt libraries are found through their rpath anyway
    env["LD_LIBRARY_PATH"] = f"{qt_lib}:{env.get('LD_LIBRARY_PATH', '')}".rstrip(":")
    out: set[str] = set()
    for f in files:
        try:
            text = subprocess.run([ldd, str(f)], capture_output=True, text=True, timeout=10, env=env).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        out.update(m.group(1) for m in re.finditer(r"^\s*(\S+)\s+=>\s+not found", text, re.M))
    return sorted(out)


def install_line(missing: list[str]) -> str:
    pkgs = sorted({package_of(s) for s in missing})
    return "sudo apt-get install -y " + " ".join(pkgs)


def will_use_xcb() -> bool:
    """Qt picks xcb on Linux when no other platform is asked for and an X display is set."""
    asked = os.environ.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux"):
        return False
    if asked:
        return asked.split(":")[0] == "xcb"
    return bool(os.environ.get("DISPLAY")) and not os.environ.get("WAYLAND_DISPLAY")


def check() -> str | None:
    """The message to print instead of Qt's when the window cannot open for want of libraries; else None."""
    if not will_use_xcb():
        return None
    missing = missing_libraries()
    if not missing:
        return None
    return (f"ganstudio: the window cannot open: Qt's X11 plugin needs {', '.join(missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} not installed. Install {'it' if len(missing) == 1 else 'them'} "
            f"with:\n    {install_line(missing)}\n(or everything a bare box needs: sudo apt-get install -y {APT_LINE})\n"
            "The command line works without them: ganstudio train --help")
