/**
 * The demo's derivations: plain `builtins.derivation` with /bin/sh, no nixpkgs.
 * Only `contested` reads the builder's flavour file, so a builder with another
 * flavour produces other bytes for that one path: a "lying" builder.
 *
 *   app ─┬─ contested ── libfoo
 *        └─ rare
 */
export const DEMO_ATTRS = ['libfoo', 'contested', 'rare', 'app'] as const;
export type DemoAttr = (typeof DEMO_ATTRS)[number];

export const DEMO_NIX = `{ salt, flavourFile }:
let
  mk = name: reads: deps: builtins.derivation {
    inherit name;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" (
      (if reads then "read x < \${flavourFile}; " else "x=plain; ")
      + "echo \\"$x \${salt} \${name}\\" > $out; "
      + builtins.concatStringsSep "" (map (d: "echo \${d} >> $out; ") deps)
    ) ];
  };
in rec {
  libfoo = mk "libfoo" false [ ];
  contested = mk "contested" true [ libfoo ];
  rare = mk "rare" false [ ];
  app = mk "app" false [ contested rare ];
}
`;
