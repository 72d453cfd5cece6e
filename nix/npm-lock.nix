# package-lock.json with the registry URL of every package filled in, for
# importNpmLock: it fetches a package only through its `resolved` URL (pinned by the
# lock's `integrity` hash), and npm leaves `resolved` out of the lock file when
# `omit-lockfile-registry-resolved` is set, as it is on this project's machines.
# The URL is the registry's fixed tarball layout, e.g.
#
#   "node_modules/@types/node": { "version": "20.19.43", "integrity": "sha512-…" }
#   → resolved = "https://registry.npmjs.org/@types/node/-/node-20.19.43.tgz"
#
# An entry that has a `resolved` already, no `integrity` (bundled, linked, the root)
# is left as it is. Pure (builtins only): test/nix/config.test.ts evaluates it.
lock:
let
  inherit (builtins) elemAt mapAttrs match;
  registry = "https://registry.npmjs.org";

  # "node_modules/a/node_modules/@scope/b" → "@scope/b"; an alias names its package in `name`.
  nameOf = key: module: module.name or (elemAt (match "(.*node_modules/)?((@[^/]+/)?[^/]+)" key) 1);
  tarball = name: version: "${registry}/${name}/-/${elemAt (match "(@[^/]+/)?([^/]+)" name) 1}-${version}.tgz";

  fill = key: module:
    if key == "" || module ? resolved || !(module ? integrity) || (module.link or false) then module
    else module // { resolved = tarball (nameOf key module) module.version; };
in
lock // { packages = mapAttrs fill lock.packages; }
