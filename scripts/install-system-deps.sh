#!/usr/bin/env bash
# System packages the tests need (Debian/Ubuntu): Chromium for the browser end-to-end tests and the
# Fashion-MNIST images used as real probe data, poppler for reading reports back, Slurm + munge for the one-node
# cluster the sharded-run tests submit to (scripts/cluster/slurm-single-node.sh). Installs only what is missing.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
# pdftotext / pdftoppm / pdfinfo / pdffonts: the report tests read the printed PDFs back.
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
# Fonts the reports print with (embedded as subsets in the PDF).
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
# A real single-node Slurm for the cluster tests (docs/cluster.md).
command -v slurmctld >/dev/null 2>&1 || need+=(slurm-wlm)
command -v munged >/dev/null 2>&1 || need+=(munge)
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
