#!/usr/bin/env bash
# Records the content-address vectors with the local Nix. Run from an empty scratch
# directory: bash record.sh /path/to/test/data/nix-2.8/ca. See README.md.
set -euo pipefail
out=$1
export NIX_CONFIG=$'experimental-features = nix-command ca-derivations\nsandbox = false\nbuild-users-group =\nsubstituters =\n'

printf 'trustix-vote ca vector: a flat file\n' > tv-ca-file.txt
printf 'trustix-vote ca vector: nix-store --add\n' > tv-ca-added.txt
mkdir -p tv-ca-tree/sub
printf 'a\n' > tv-ca-tree/a
printf 'b\n' > tv-ca-tree/sub/b
printf '#!/bin/sh\necho run\n' > tv-ca-tree/run && chmod +x tv-ca-tree/run
ln -sf a tv-ca-tree/link

declare -A P
P[add-fixed-flat-sha256]=$(nix-store --add-fixed sha256 tv-ca-file.txt)
P[add-fixed-flat-sha1]=$(nix-store --add-fixed sha1 tv-ca-file.txt)
P[add-fixed-flat-sha512]=$(nix-store --add-fixed sha512 tv-ca-file.txt)
P[add-fixed-flat-md5]=$(nix-store --add-fixed md5 tv-ca-file.txt)
P[add-fixed-rec-sha256-dir]=$(nix-store --add-fixed --recursive sha256 tv-ca-tree)
P[add-fixed-rec-sha256-file]=$(nix-store --add-fixed --recursive sha256 tv-ca-file.txt)
P[add-fixed-rec-sha1-dir]=$(nix-store --add-fixed --recursive sha1 tv-ca-tree)
P[add]=$(nix-store --add tv-ca-added.txt)
P[tofile]=$(nix eval --raw --expr 'builtins.toFile "tv-ca-text" "builtins.toFile without references\n"')
P[tofile-refs]=$(nix eval --impure --raw --expr "builtins.toFile \"tv-ca-text-refs\" \"refers to \${builtins.toFile \"tv-ca-text\" \"builtins.toFile without references\n\"} and \${$PWD/tv-ca-added.txt}\n\"")

# Fixed-output hashes of exactly what the builders in fixture-ca.nix write.
printf 'trustix-vote fixed-output flat\n' > fod-flat
mkdir -p fod-rec && printf 'trustix-vote fixed-output recursive\n' > fod-rec/f
args=(--argstr flatSha256 "$(nix hash file --type sha256 --base32 fod-flat)"
      --argstr flatSha512 "$(nix hash file --type sha512 --base32 fod-flat)"
      --argstr recSha256 "$(nix hash path --type sha256 --base32 fod-rec)"
      --argstr recSha1 "$(nix hash path --type sha1 --base32 fod-rec)")
cp "$out/fixture-ca.nix" .
for a in fodFlat fodFlatSha512 fodRec fodRecSha1 multi floating; do
  nix-build fixture-ca.nix -A "$a" "${args[@]}" --no-out-link > "build-$a.txt"
done
P[fod-flat-sha256]=$(cat build-fodFlat.txt)
P[fod-flat-sha512]=$(cat build-fodFlatSha512.txt)
P[fod-rec-sha256]=$(cat build-fodRec.txt)
P[fod-rec-sha1]=$(cat build-fodRecSha1.txt)
P[floating-self-ref]=$(cat build-floating.txt)

for k in "${!P[@]}"; do nix path-info --json "${P[$k]}" > "$out/$k.json"; done
nix copy --to "file://$out/cache" "${P[@]}"
drvs=$(for a in fodFlat fodRec fodRecSha1 multi floating; do nix-instantiate fixture-ca.nix -A "$a" "${args[@]}"; done)
nix show-derivation $drvs > "$out/../show-derivation.json"
NIX_CONFIG="$NIX_CONFIG"$'\nsubstituters = https://cache.nixos.org/ http://127.0.0.1:8081\nextra-substituters = http://127.0.0.1:8082\ntrusted-public-keys = cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY= nixfmt-test-1:+MU1Xof1RT9DS1t35NQ0NZUBK5R1OHCAFYL36Nj1g5E=\n' \
  nix show-config --json > "$out/../show-config.json"
nix --version
