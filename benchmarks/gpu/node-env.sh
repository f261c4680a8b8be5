# shellcheck shell=bash
# Node.js and node_modules for the GPU scripts (run.sh, lowp.sh), sourced from the repository
# root: those of the repository (after `npm ci`), or, on a machine that has none (the lent GPU
# machines), the ones benchmarks/gpu/prepare-carry.mjs packed under .gpu-carry/ (Node and
# node_modules), unpacked to /tmp/deepsc-node and ./node_modules. Needs the caller's say and die;
# sets vitest and tsx (command arrays).
if [ -f .gpu-carry/node.xz ]; then
  say "using the carried Node.js and node_modules (.gpu-carry, from prepare-carry.mjs)"
  mkdir -p /tmp/deepsc-node/bin
  if command -v xz >/dev/null; then
    xz -d -c .gpu-carry/node.xz >/tmp/deepsc-node/bin/node
  else
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
      .gpu-carry/node.xz /tmp/deepsc-node/bin/node
  fi
  chmod +x /tmp/deepsc-node/bin/node
  export PATH="/tmp/deepsc-node/bin:$PATH"
  if [ ! -d node_modules ]; then
    if command -v xz >/dev/null; then
      xz -d -c .gpu-carry/node_modules.tar.xz | tar -x
    else
      python3 -c 'import lzma, sys, tarfile; tarfile.open(fileobj=lzma.open(sys.argv[1])).extractall(".")' \
        .gpu-carry/node_modules.tar.xz
    fi
  fi
fi
command -v node >/dev/null || die "Node.js not found: install Node >= 20 and run npm ci, or carry what benchmarks/gpu/prepare-carry.mjs packs"
[ -d node_modules ] || die "node_modules not found: run npm ci first (or carry .gpu-carry from prepare-carry.mjs)"
say "Node: $(node --version)"
# shellcheck disable=SC2034  # used by the scripts that source this
vitest=(node node_modules/vitest/vitest.mjs)
# shellcheck disable=SC2034
tsx=(node node_modules/tsx/dist/cli.mjs --conditions=source)
