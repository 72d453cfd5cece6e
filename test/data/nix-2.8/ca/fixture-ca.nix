# Derivations for the content-address vectors (see README.md). No nixpkgs: /bin/sh
# built-ins (and /bin/mkdir) only. The fixed-output hashes are passed in by record.sh, which computes
# them from local copies of the very bytes the builders write.
{ flatSha256, flatSha512, recSha256, recSha1 }:
let
  sh = name: script: extra: builtins.derivation ({
    inherit name;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" script ];
  } // extra);
  fod = name: mode: algo: hash: script:
    sh name script { outputHashMode = mode; outputHashAlgo = algo; outputHash = hash; };
  flatScript = "echo 'trustix-vote fixed-output flat' > $out";
  recScript = "/bin/mkdir $out; echo 'trustix-vote fixed-output recursive' > $out/f";
in rec {
  fodFlat = fod "tv-ca-fod-flat" "flat" "sha256" flatSha256 flatScript;
  fodFlatSha512 = fod "tv-ca-fod-flat-sha512" "flat" "sha512" flatSha512 flatScript;
  fodRec = fod "tv-ca-fod-rec" "recursive" "sha256" recSha256 recScript;
  fodRecSha1 = fod "tv-ca-fod-rec-sha1" "recursive" "sha1" recSha1 recScript;
  # Input-addressed, two outputs: `nix show-derivation` lists both paths.
  multi = sh "tv-ca-multi" "echo out > $out; echo dev > $dev" { outputs = [ "out" "dev" ]; };
  # Floating content-addressed (experimental ca-derivations in 2.8): the output
  # refers to itself and to fodRec, so its CA is "fixed:r:sha256" with a self-reference.
  floating = sh "tv-ca-floating" "echo \"self $out\" > $out; echo \"dep ${fodRec}\" >> $out" {
    __contentAddressed = true; outputHashMode = "recursive"; outputHashAlgo = "sha256";
  };
}
