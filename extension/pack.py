#!/usr/bin/env python3
"""Pack the extension: a Firefox variant (background scripts instead of a service
worker, a gecko id) and zip files for both browsers.

    python extension/pack.py [--out build/extension]

Writes <out>/chromium/ and <out>/firefox/ (unpacked) and <out>/feedaudit-chromium.zip,
<out>/feedaudit-firefox.zip. The output must lie outside extension/ (Chromium refuses
to load unpacked extensions containing files whose names start with "_").
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import zipfile
from pathlib import Path

EXTENSION_DIR = Path(__file__).resolve().parent
REPO_ROOT = EXTENSION_DIR.parent
GECKO_ID = "feedaudit@feedaudit.local"
FIREFOX_MIN_VERSION = "128.0"
NOT_SHIPPED = {"pack.py", "README.md"}


def shipped_files() -> list[Path]:
    return sorted(
        path for path in EXTENSION_DIR.rglob("*")
        if path.is_file() and path.name not in NOT_SHIPPED and "__pycache__" not in path.parts
        and not any(part.startswith((".", "_")) for part in path.relative_to(EXTENSION_DIR).parts)
    )


def firefox_manifest(manifest: dict) -> dict:
    """Firefox MV3: event page with module scripts, and a fixed add-on id."""
    firefox = json.loads(json.dumps(manifest))
    firefox["background"] = {"scripts": [manifest["background"]["service_worker"]], "type": "module"}
    firefox.pop("minimum_chrome_version", None)
    firefox["browser_specific_settings"] = {
        "gecko": {
            "id": GECKO_ID,
            "strict_min_version": FIREFOX_MIN_VERSION,
            # Everything stays on this computer (the local server); nothing is collected by anyone.
            "data_collection_permissions": {"required": ["none"]},
        }
    }
    return firefox


def copy_tree(destination: Path, manifest: dict) -> None:
    if destination.exists():
        shutil.rmtree(destination)
    for source in shipped_files():
        target = destination / source.relative_to(EXTENSION_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    (destination / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def zip_tree(source: Path, archive: Path) -> None:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                bundle.write(path, path.relative_to(source).as_posix())


def pack(out: Path) -> dict[str, Path]:
    out = out.resolve()
    if out == EXTENSION_DIR or EXTENSION_DIR in out.parents:
        raise SystemExit(f"error: the output {out} must be outside {EXTENSION_DIR}")
    manifest = json.loads((EXTENSION_DIR / "manifest.json").read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    built = {}
    for browser, variant in (("chromium", manifest), ("firefox", firefox_manifest(manifest))):
        tree = out / browser
        copy_tree(tree, variant)
        archive = out / f"feedaudit-{browser}.zip"
        zip_tree(tree, archive)
        built[browser] = tree
        built[f"{browser}-zip"] = archive
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "build" / "extension")
    args = parser.parse_args(argv)
    for name, path in pack(args.out).items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
