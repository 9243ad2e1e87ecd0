"""Build the site from the chapters' stored outputs, with every Sphinx warning an error.

`make test` checks two things about the chapters, and this script does the first:
- the book builds without a single warning (markup, references, citations, glue), and the
  built site is what the browser tests open;
- the stored outputs are what the code computes, on this machine and on others (nbval).

Because nbval re-runs every chapter and compares every stored output, this build does not
execute the chapters a second time: it renders the stored outputs (``execute_notebooks: off``),
through a copy of ``_config.yml`` written into the output folder. Pages that always execute
(their own ``mystnb`` metadata says so) still do. Usage: ``python tools/check_build.py OUT``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def stored_outputs_config(out: Path) -> Path:
    """A copy of the book's configuration that renders stored outputs instead of executing."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    # the copy lives elsewhere, and Jupyter Book resolves local extensions beside the config
    extensions = config.get("sphinx", {}).get("local_extensions", {})
    for name, folder in extensions.items():
        extensions[name] = str((ROOT / folder).resolve())
    out.mkdir(parents=True, exist_ok=True)
    path = out / "_config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tools/check_build.py OUT", file=sys.stderr)
        return 2
    out = Path(argv[0]).resolve()
    config = stored_outputs_config(out)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book), "build", str(ROOT), "--config", str(config)]
    command += ["--path-output", str(out), "-W", "-n", "--keep-going"]
    return subprocess.run(command, cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
