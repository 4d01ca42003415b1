#!/usr/bin/env bash
# The blast radius of a change: renders every stack at a base ref (in a worktree with its own
# install, since its lockfile may differ) and in this checkout, and writes each stack's
# `npm run render -- --compare` summary as Markdown. No cloud credentials: it runs for forks too.
# usage: tools/render/blast-radius.sh <base-ref> <out.md>
set -euo pipefail
base_ref=$1
out=$2
root=$(pwd)
scratch=$(mktemp -d)
base="$scratch/base"
git worktree add --detach "$base" "$base_ref" >/dev/null 2>&1
trap 'git -C "$root" worktree remove --force "$base" >/dev/null 2>&1 || true; rm -rf "$scratch"' EXIT
(cd "$base" && npm ci --no-audit --no-fund >/dev/null 2>&1)

{
  echo "<!-- blast-radius -->"
  echo "### Blast radius against \`$base_ref\` (\`npm run render -- --compare\`, every stack)"
  for file in Pulumi.*.yaml; do
    stack=${file#Pulumi.}
    stack=${stack%.yaml}
    echo
    echo "#### $stack"
    if [ ! -f "$base/$file" ]; then
      echo "new stack: not in \`$base_ref\`"
      continue
    fi
    if ! (cd "$base" && npm run -s render -- --stack "$stack" --out "$scratch/render-$stack" >/dev/null 2>&1); then
      [ -d "$scratch/render-$stack" ] || { echo "\`$base_ref\` does not render this stack"; continue; }
    fi
    # Exit 1 (a mandatory violation) still prints the compare; the test job judges the policies.
    report=$(npm run -s render -- --stack "$stack" --compare "$scratch/render-$stack" --out "$scratch/next-$stack" 2>/dev/null || true)
    echo '```'
    sed -n '/^compare with /,/^result: /p' <<<"$report" | grep -v -e '^result: ' -e '^$' | sed "s#$scratch/render-$stack#$base_ref#"
    echo '```'
  done
} >"$out"
