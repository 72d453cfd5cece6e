# The closure the VM test publishes and substitutes, without nixpkgs:
#
#   app ─┬─ contested ── libfoo
#        └─ libfoo
#
# Only `contested` reads the builder's flavour file (/etc/vote-test/flavour), so a
# builder with another flavour makes other bytes for that one path: a lying builder.
# Where the file cannot be read (the voting machine builds in the sandbox) it is "local".
# `bash` is a store path holding bin/sh (the test passes pkgs.bash); `salt` makes
# each run's paths new.
{ salt, bash }:
let
  sh = "${builtins.storePath bash}/bin/sh";
  mk = name: reads: deps: derivation {
    inherit name;
    system = builtins.currentSystem;
    builder = sh;
    args = [
      "-c"
      ((if reads then "{ read x < /etc/vote-test/flavour; } 2>/dev/null || x=local; " else "x=plain; ")
        + "echo \"$x ${salt} ${name}\" > $out; "
        + builtins.concatStringsSep "" (map (d: "echo ${d} >> $out; ") deps))
    ];
  };
in
rec {
  libfoo = mk "libfoo" false [ ];
  contested = mk "contested" true [ libfoo ];
  app = mk "app" false [ contested libfoo ];
}
