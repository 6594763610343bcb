#!/usr/bin/env bash
# Install headless Chromium (Debian package `chromium`) and fonts for `redbag render --pdf` and the
# browser tests. Idempotent: does nothing when chromium and the fonts are already there.
# Run as root on Debian (or with sudo available); needs network access to the Debian mirrors.
set -euo pipefail

PACKAGES=(chromium fonts-dejavu-core fonts-liberation fonts-noto-color-emoji)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ] && [ -x /usr/bin/chromium ]; then
  echo "install-chromium: already installed ($(/usr/bin/chromium --version 2>/dev/null || echo chromium))"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "install-chromium: run as root (or install sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "install-chromium: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
/usr/bin/chromium --version
