# trustix-vote as a Nix package. Dependencies come from package-lock.json through
# importNpmLock (each tarball pinned by the lock file's integrity hash), so there is
# no separate npmDepsHash to keep in sync.
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
  npmDeps = importNpmLock { npmRoot = ../.; };
  npmConfigHook = importNpmLock.npmConfigHook;
  npmBuildScript = "build";

  nativeBuildInputs = [ makeWrapper ];

  # check, demo and the post-build hook ask the local Nix about closures.
  postFixup = ''
    wrapProgram $out/bin/trustix-vote --prefix PATH : ${lib.makeBinPath [ nix ]}
  '';

  meta = {
    description = "Let several independent build logs vote on every store path before Nix substitutes it";
    license = lib.licenses.mit;
    mainProgram = "trustix-vote";
    platforms = lib.platforms.linux;
  };
}
