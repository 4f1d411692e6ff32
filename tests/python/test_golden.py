"""Files written by every format version (tests/data/golden/) import and reproduce their stored outputs.

The C++ suite (tests/cpp/test_golden.cpp) also checks that the current format and every primitive's state
version have golden files; this side checks the Python import path reads them all alike.
"""

import json
import pathlib

import pytest

import ingot as mx

GOLDEN = pathlib.Path(__file__).resolve().parents[1] / "data" / "golden"
MANIFEST = json.loads((GOLDEN / "manifest.json").read_text())
FILES = [(v, name) for v in MANIFEST["versions"] for name in v["files"]]


def test_every_format_version_has_files():
    assert {v["format_version"] for v in MANIFEST["versions"]} >= {1}
    assert len(FILES) > 100


@pytest.mark.parametrize("version,name", FILES, ids=[f"{v['dir']}/{n}" for v, n in FILES])
def test_golden_file(version, name):
    f = mx.import_function(str(GOLDEN / version["dir"] / name))
    assert f.format_version == version["format_version"]
    assert f.metadata == {"golden": name.rsplit("-v", 1)[0]}
    for r in f.verify():
        assert r["passed"], (r["message"], r["max_abs_error"])
