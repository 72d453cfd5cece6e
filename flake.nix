{
  description = "trustix-vote: several independent build logs vote on every store path before Nix substitutes it";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
      packageOf = pkgs: self.packages.${pkgs.stdenv.hostPlatform.system}.default;
    in
    {
      packages = forAllSystems (pkgs: rec {
        trustix-vote = pkgs.callPackage ./nix/package.nix { };
        default = trustix-vote;
      });

      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = nixpkgs.lib.getExe (packageOf pkgs);
          meta.description = "trustix-vote check, serve, policy test, keygen and config check";
        };
      });

      # pkgs.trustix-vote, built with the nixpkgs it is applied to; the module uses it when present.
      overlays.default = final: _prev: { trustix-vote = final.callPackage ./nix/package.nix { }; };

      # services.trustix-vote. Standalone: without the overlay it builds the package
      # from ./nix/package.nix with the system's own nixpkgs.
      nixosModules.default = ./nix/module.nix;
      nixosModules.trustix-vote = self.nixosModules.default;

      checks = forAllSystems (pkgs: {
        # The build runs `trustix-vote --version`, keygen and config check, and opens a
        # SQLite database with the compiled better-sqlite3 (installCheckPhase).
        package = packageOf pkgs;
        # Three builders on the test network, one lying; Nix on the voting machine must
        # substitute what all agree on and build the contested path itself.
        vote = import ./nix/tests/vote.nix { inherit pkgs; module = self.nixosModules.default; };
      });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell { packages = [ pkgs.nodejs_20 pkgs.nix ]; };
      });
    };
}
