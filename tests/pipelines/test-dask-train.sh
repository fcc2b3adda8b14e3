#!/bin/sh
# Training on a Dask cluster (python/malml/dask_train.py, Debian's
# python3-xgboost and python3-distributed): two worker processes on
# loopback fit every sub-model over feature shards of the fixtures, and
# `malml train --from-xgboost` makes a model file whose scores equal
# XGBoost's own predictions (tests/pipelines/check_dask_train.py).
# Environment: MALML_BIN, MALML_FIXTURES.  SKIPs (77) without XGBoost.
set -u
srcdir=${srcdir:-$(dirname "$0")/../..}
srcdir=$(cd "$srcdir" && pwd)
malml=$(cd "$(dirname "${MALML_BIN:-./malml}")" && pwd)/malml
fixtures=${MALML_FIXTURES:?MALML_FIXTURES is not set}
py=/usr/bin/python3 # Debian's: python3-xgboost is built for it
if ! "$malml" train --help 2>&1 | grep -q -- '--from-xgboost'; then
  echo "SKIP: malml was built without training (no XGBoost)"
  exit 77
fi
if ! "$py" -c 'import xgboost.dask, distributed' 2>/dev/null; then
  echo "SKIP: python3-xgboost or python3-distributed is not installed"
  exit 77
fi
start=$(date +%s)
PYTHONPATH=$srcdir/python "$py" "$srcdir/tests/pipelines/check_dask_train.py" \
  "$malml" "$fixtures"
rc=$?
echo "## dask-train: $(($(date +%s) - start)) s"
exit $rc
