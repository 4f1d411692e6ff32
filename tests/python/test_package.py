"""ingot for C++ programs outside the tree, and the package's version.

examples/cmake_project is built against `cmake --install $INGOT_BUILD_DIR --prefix TMP` and against the
installed Python package (`ingot.cmake_dir()`), each with find_package(ingot) and with pkg-config, then run.
"""

import importlib.metadata
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

import ingot
from test_cross_language import BUILD_DIR, ROOT

EXAMPLE = ROOT / "examples" / "cmake_project"
EXPECTED = "sum: 42"


def run(*cmd, env=None):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, f"{' '.join(map(str, cmd))} exited with {p.returncode}:\n{p.stdout}\n{p.stderr}"
    return p.stdout


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    if not (BUILD_DIR / "cmake_install.cmake").is_file():
        (pytest.fail if "INGOT_BUILD_DIR" in os.environ else pytest.skip)(
            f"{BUILD_DIR} is not a configured build (./scripts/test builds one)")
    d = tmp_path_factory.mktemp("prefix")
    run("cmake", "--install", BUILD_DIR, "--prefix", d)
    return d


def config_dir_under(prefix):
    (config,) = prefix.rglob("ingotConfig.cmake")  # lib/ or lib/<multiarch>/, as GNUInstallDirs chose
    return config.parent


def build_with_cmake(found_by, build_dir):
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    run("cmake", "-S", EXAMPLE, "-B", build_dir, *generator, found_by, "-DCMAKE_BUILD_TYPE=Release")
    run("cmake", "--build", build_dir)
    return build_dir / "example"


def build_with_pkg_config(libdir, build_dir):
    (pc,) = libdir.rglob("ingot.pc")  # lib/pkgconfig
    env = {**os.environ, "PKG_CONFIG_PATH": str(pc.parent)}
    assert run("pkg-config", "--modversion", "ingot", env=env).strip() == ingot.__version__
    flags = run("pkg-config", "--cflags", "--libs", "ingot", env=env).split()
    build_dir.mkdir()
    exe = build_dir / "example"
    run(os.environ.get("CXX", "c++"), "-std=c++20", "-O1", EXAMPLE / "example.cpp", *flags, "-o", exe)
    return exe


@pytest.mark.parametrize("how", ["cmake", "pkg-config"])
@pytest.mark.parametrize("where", ["install", "pip"])
def test_cpp_program_builds_against_the_installed_package(where, how, request, tmp_path):
    if where == "install":  # as a program using a system-wide installation would find it
        prefix = request.getfixturevalue("prefix")
        assert (prefix / "include" / "ingot" / "ingot.h").is_file()
        config_dir, found_by = config_dir_under(prefix), f"-DCMAKE_PREFIX_PATH={prefix}"
    else:
        config_dir = pathlib.Path(ingot.cmake_dir())
        found_by = f"-Dingot_DIR={config_dir}"
    libdir = config_dir.parent.parent  # <libdir>/cmake/ingot
    build = tmp_path / "build"
    exe = build_with_cmake(found_by, build) if how == "cmake" else build_with_pkg_config(libdir, build)
    out = run(exe)
    assert EXPECTED in out, out


def test_cmake_dir():
    d = pathlib.Path(ingot.cmake_dir())
    assert (d / "ingotConfig.cmake").is_file() and (d / "ingotConfigVersion.cmake").is_file()
    assert any(d.parent.parent.glob("libingot.a"))
    p = subprocess.run([sys.executable, "-m", "ingot", "--cmake-dir"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stdout.strip() == str(d)


def test_cmake_dir_missing_names_the_function(monkeypatch, tmp_path):
    monkeypatch.setattr(ingot, "__path__", [str(tmp_path)])
    with pytest.raises(RuntimeError, match=r"^\[cmake_dir\] .*ingotConfig\.cmake"):
        ingot.cmake_dir()


def test_one_version_everywhere():
    cmake_version = re.search(r"project\(ingot VERSION ([0-9.]+)", (ROOT / "CMakeLists.txt").read_text()).group(1)
    assert ingot.__version__ == cmake_version == importlib.metadata.version("ingot")
    p = subprocess.run([sys.executable, "-m", "ingot", "--version"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stdout.strip() == f"ingot {ingot.__version__}"
