"""The browser the browser tests drive: Debian's Chromium, plus CJK fonts.

    python scripts/browser.py ensure   # install chromium and fonts-noto-cjk if missing
    python scripts/browser.py check    # exit 1 if chromium or the CJK fonts are missing

Playwright's own browser download cannot run here, so the tests launch
/usr/bin/chromium. Without a CJK font, Chinese pages render as empty boxes and
the screenshots are worthless, so the fonts are part of the browser.

`ensure` installs only when something is missing, and only as root (CI and the
development machines run as root). Otherwise it prints the command to run and
leaves the decision to the caller: the browser tests then skip locally, and fail
when CI is set (see tests/browser/conftest.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
PACKAGES = ["chromium", "fonts-noto-cjk"]
INSTALL = (
    "apt-get update && DEBIAN_FRONTEND=noninteractive "
    f"apt-get install -y --no-install-recommends {' '.join(PACKAGES)}"
)


def log(message: str) -> None:
    print(f"[browser] {message}", flush=True)


def has_cjk_font() -> bool:
    if shutil.which("fc-list") is None:
        return any(Path("/usr/share/fonts").glob("**/*CJK*"))
    result = subprocess.run(
        ["fc-list", ":lang=zh-cn", "family"], capture_output=True, text=True, check=False
    )
    return bool(result.stdout.strip())


def missing() -> list[str]:
    """Debian packages still to install (empty when the browser is ready)."""
    needed = []
    if not CHROMIUM.exists():
        needed.append("chromium")
    if not has_cjk_font():
        needed.append("fonts-noto-cjk")
    return needed


def ensure() -> int:
    needed = missing()
    if not needed:
        log(f"{CHROMIUM} and a CJK font are installed")
        return 0
    if os.geteuid() != 0:
        log(f"missing: {', '.join(needed)}; not root, so not installing. As root run: {INSTALL}")
        return 0
    if shutil.which("apt-get") is None:
        log(f"missing: {', '.join(needed)}; apt-get is not available, install them by hand")
        return 0
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    log("apt-get update")
    subprocess.run(["apt-get", "update"], env=env, check=True)
    log(f"apt-get install -y --no-install-recommends {' '.join(needed)}")
    subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", *needed], env=env, check=True
    )
    still = missing()
    if still:
        log(f"still missing after installation: {', '.join(still)}")
        return 1
    log(f"installed {', '.join(needed)}")
    return 0


def check() -> int:
    needed = missing()
    if needed:
        log(f"missing: {', '.join(needed)} (install with: {INSTALL})")
        return 1
    log("ready")
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "ensure"
    commands = {"ensure": ensure, "check": check}
    if command not in commands:
        sys.exit(f"usage: {sys.argv[0]} [{'|'.join(commands)}]")
    sys.exit(commands[command]())
