"""The manifest agrees with sites.json, and the Firefox variant passes `web-ext lint`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
EXTENSION_DIR = REPO_ROOT / "extension"
WEB_EXT = Path(__file__).resolve().parent / "node_modules" / ".bin" / "web-ext"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_content_scripts_cover_every_built_in_platform():
    manifest = load(EXTENSION_DIR / "manifest.json")
    sites = load(EXTENSION_DIR / "sites.json")
    declared = set(manifest["content_scripts"][0]["matches"])
    wanted = {pattern for platform in sites["platforms"] if not platform["opt_in"] for pattern in platform["matches"]}
    assert declared == wanted


def test_content_scripts_are_plain_scripts_with_nothing_exposed_to_pages():
    manifest = load(EXTENSION_DIR / "manifest.json")
    files = manifest["content_scripts"][0]["js"]
    # Shared helpers first, the entry point last: the files share one scope, loaded in this order.
    assert files[0] == "common/helpers.js" and files[-1] == "content/main.js"
    for name in files:
        source = (EXTENSION_DIR / name).read_text(encoding="utf-8")
        assert re.search(r"^\s*(import|export)\b", source, re.MULTILINE) is None, name  # modules would not load
        assert "import(" not in source, name
    # Nothing a web page can fetch (or probe to detect the extension).
    assert "web_accessible_resources" not in manifest


def test_nothing_in_the_extension_folder_starts_with_an_underscore():
    # Chromium refuses to load an unpacked extension containing such names (node_modules has them).
    offenders = [p for p in EXTENSION_DIR.rglob("*") if p.name.startswith("_") and "__pycache__" not in p.parts]
    assert offenders == []


def pack(out: Path) -> None:
    subprocess.run([sys.executable, str(EXTENSION_DIR / "pack.py"), "--out", str(out)], check=True, capture_output=True)


def test_firefox_variant_uses_background_scripts_and_a_gecko_id(tmp_path):
    pack(tmp_path)
    firefox = load(tmp_path / "firefox" / "manifest.json")
    assert firefox["background"] == {"scripts": ["background.js"], "type": "module"}
    assert firefox["browser_specific_settings"]["gecko"]["id"] == "feedaudit@feedaudit.local"
    assert "minimum_chrome_version" not in firefox
    chromium = load(tmp_path / "chromium" / "manifest.json")
    assert chromium == load(EXTENSION_DIR / "manifest.json")
    assert (tmp_path / "feedaudit-firefox.zip").stat().st_size > 0
    assert not (tmp_path / "firefox" / "pack.py").exists()


def test_pack_refuses_to_write_inside_the_extension_folder():
    result = subprocess.run([sys.executable, str(EXTENSION_DIR / "pack.py"), "--out", str(EXTENSION_DIR / "build")],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "must be outside" in result.stderr


def test_firefox_variant_passes_web_ext_lint(tmp_path):
    if not WEB_EXT.exists():
        pytest.skip("web-ext is not installed: npm ci --prefix tests/browser")
    pack(tmp_path)
    result = subprocess.run([str(WEB_EXT), "lint", "--source-dir", str(tmp_path / "firefox"), "--output", "json"],
                            capture_output=True, text=True, timeout=180)
    report = json.loads(result.stdout)
    assert report["errors"] == [], report["errors"]
    assert result.returncode == 0
    # The content scripts are plain files the manifest lists (no dynamic import): no warning at all.
    assert [(w["code"], w["file"]) for w in report["warnings"]] == []
