#!/usr/bin/env bash
# Builds the Databricks CLI from the Go module proxy into .tools/bin/databricks (gitignored), for
# the tests that compare `databricks bundle validate` with the imported stacks'
# plans (tests/importBundleDab.test.ts). `go install github.com/databricks/cli@<version>` does not
# work: the proxy refuses the module's version list, which `go install` reads for deprecations;
# downloading the one version and building it in the module cache does.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="${DATABRICKS_CLI_VERSION:-v0.298.0}"
BIN=.tools/bin/databricks
if [[ -x "$BIN" && "$(cat .tools/bin/databricks.version 2>/dev/null)" == "$VERSION" ]]; then
    echo "databricks CLI $VERSION: already built ($BIN)"
    exit 0
fi
if ! command -v go >/dev/null || ! go env GOTOOLCHAIN >/dev/null 2>&1 || [[ -z "$(go env GOTOOLCHAIN)" ]]; then
    echo "error: the Databricks CLI build needs Go >= 1.21 on PATH (GOTOOLCHAIN=auto then fetches the go 1.25 the module asks for)" >&2
    exit 1
fi
mkdir -p .tools/bin
dir="$(go mod download -json "github.com/databricks/cli@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
(cd "$dir" && GOFLAGS=-buildvcs=false nice -n 10 go build -o "$OLDPWD/$BIN" .)
echo "$VERSION" > .tools/bin/databricks.version
echo "databricks CLI $VERSION: built $BIN"
