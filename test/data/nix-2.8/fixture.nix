# Two tiny derivations for the nixfmt fixtures: `dep` has no references,
# `top` refers to `dep` (so its narinfo has a non-empty References line).
{ salt }:
let
  mk = name: deps: builtins.derivation {
    inherit name;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "echo \"${salt} ${name}\" > $out; ${builtins.concatStringsSep ";" (map (d: "echo ${d} >> $out") deps)}" ];
  };
in rec { dep = mk "nixfmt-dep" [ ]; top = mk "nixfmt-top" [ dep ]; }
