# trustix-vote as a Nix package. Dependencies come from package-lock.json through
# importNpmLock (each tarball pinned by the lock file's integrity hash), so there is
# no separate npmDepsHash to keep in sync. ./npm-lock.nix adds the registry URLs npm
# leaves out of the lock on machines with omit-lockfile-registry-resolved.
#
# Native addons:
# - sodium-native (libsodium's ed25519) needs no compiler or network in the sandbox:
#   its npm tarball ships prebuilt binaries (prebuilds/linux-x64, prebuilds/linux-arm64;
#   they link only libc, which the Node process has loaded already) and has no install
#   script. Where no prebuild fits or it fails to load, the program checks and signs
#   with node:crypto instead (src/host/ed25519.ts); installCheckPhase says which.
# - better-sqlite3 (the journal) is compiled by its install script in `npm rebuild`:
#   node-gyp with the SQLite sources in its tarball, Node's headers (npmConfigHook),
#   nodejs.python and the stdenv compiler. build-from-source skips prebuild-install,
#   which would only try the network. installCheckPhase opens a database with it.
{
  lib,
  buildNpmPackage,
  importNpmLock,
  nodejs_20,
  makeWrapper,
  nix,
}:
buildNpmPackage {
  pname = "trustix-vote";
  version = (lib.importJSON ../package.json).version;

  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../package.json
      ../package-lock.json
      ../tsconfig.json
      ../tsconfig.build.json
      ../src
      ../hooks
    ];
  };

  nodejs = nodejs_20;
  npmDeps = importNpmLock {
    npmRoot = ../.;
    packageLock = import ./npm-lock.nix (lib.importJSON ../package-lock.json);
  };
  npmConfigHook = importNpmLock.npmConfigHook;
  env.npm_config_build_from_source = "true";
  # tsc -p tsconfig.build.json → dist/. npmInstallHook then installs the package
  # files (package.json "files": dist, hooks), prunes dev dependencies, and wraps
  # the "bin" entry dist/cli/main.js as $out/bin/trustix-vote: Node runs it.
  npmBuildScript = "build";

  nativeBuildInputs = [ makeWrapper ];

  # check, demo and the post-build hook ask the local Nix about closures.
  postFixup = ''
    wrapProgram $out/bin/trustix-vote --prefix PATH : ${lib.makeBinPath [ nix ]}
  '';

  doInstallCheck = true;
  installCheckPhase = ''
    runHook preInstallCheck
    $out/bin/trustix-vote --version
    $out/bin/trustix-vote keygen check-1 --secret "$TMPDIR/check.sec" --public "$TMPDIR/check.pub"
    printf '[log.check]\nurl = http://127.0.0.1:1\nkind = binary-cache\nkey = %s\n[serve]\nsigning-key = %s\n' \
      "$(cat "$TMPDIR/check.pub")" "$TMPDIR/check.sec" > "$TMPDIR/check.ini"
    $out/bin/trustix-vote config check "$TMPDIR/check.ini"
    (cd $out/lib/node_modules/trustix-vote && ${lib.getExe nodejs_20} -e 'new (require("better-sqlite3"))(":memory:").close()')
    (cd $out/lib/node_modules/trustix-vote && ${lib.getExe nodejs_20} -e 'require("sodium-native")' 2>/dev/null) \
      && echo "ed25519: libsodium (sodium-native prebuild)" \
      || echo "ed25519: node:crypto (the sodium-native prebuild does not load here)"
    runHook postInstallCheck
  '';

  meta = {
    description = "Let several independent build logs vote on every store path before Nix substitutes it";
    license = lib.licenses.mit;
    mainProgram = "trustix-vote";
    platforms = lib.platforms.linux;
  };
}
