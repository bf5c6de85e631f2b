"""Issue 38 item 5: on a bare box the window's missing system libraries are named with their apt-get line (not
Qt's "xcb-cursor0 is needed" when another one is missing), and the README's and .ci/run's lines are complete."""

import re
import sys
from pathlib import Path

import pytest

from ganstudio import qtlibs

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("soname, package", [
    ("libxcb-icccm.so.4", "libxcb-icccm4"), ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-cursor.so.0", "libxcb-cursor0"), ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"), ("libdbus-1.so.3", "libdbus-1-3"),
    ("libglib-2.0.so.0", "libglib2.0-0"), ("libEGL.so.1", "libegl1"), ("libX11-xcb.so.1", "libx11-xcb1")])
def test_each_library_is_named_by_its_debian_package(soname, package):
    assert qtlibs.package_of(soname) == package


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldd and xcb are Linux's")
def test_what_ldd_cannot_find_becomes_one_install_line(tmp_path, monkeypatch):
    fake = tmp_path / "ldd"
    fake.write_text("#!/bin/sh\necho '\tlibQt6Gui.so.6 => /x/libQt6Gui.so.6 (0x1)'\n"
                    "echo '\tlibxcb-icccm.so.4 => not found'\necho '\tlibxcb-keysyms.so.1 => not found'\n")
    fake.chmod(0o755)
    plugin = tmp_path / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    plugin.parent.mkdir(parents=True)
    plugin.write_bytes(b"")
    missing = qtlibs.missing_libraries([plugin], ldd=str(fake))
    assert missing == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert qtlibs.install_line(missing) == "sudo apt-get install -y libxcb-icccm4 libxcb-keysyms1"
    monkeypatch.setattr(qtlibs, "missing_libraries", lambda: missing)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    msg = qtlibs.check()
    assert "libxcb-icccm4 libxcb-keysyms1" in msg and "cursor" not in msg.splitlines()[0]
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert qtlibs.check() is None  # offscreen needs no X libraries


def test_the_app_prints_the_line_and_exits_instead_of_starting_qt(monkeypatch, capsys):
    from ganstudio import app

    monkeypatch.setattr(qtlibs, "check", lambda: "ganstudio: the window cannot open: ... libxcb-icccm4")
    assert app.main([], warm=False) == 1
    assert "libxcb-icccm4" in capsys.readouterr().err


def test_a_missing_qt_library_gets_its_apt_line():
    from ganstudio.__main__ import _install_hint

    hint = _install_hint("libEGL.so.1: cannot open shared object file: No such file or directory")
    assert "sudo apt-get install -y libegl1" in hint


def test_readme_and_ci_install_the_same_complete_set():
    readme = (ROOT / "README.md").read_text()
    assert f"sudo apt-get install -y {qtlibs.APT_LINE}" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r'QT_LIBS="([^"]+)"', ci).group(1).split() == qtlibs.APT_LINE.split()
    for need in ("libxcb-icccm4", "libxcb-keysyms1", "libxcb-cursor0", "libxkbcommon-x11-0"):
        assert need in qtlibs.APT_LINE.split()
