# NixOS VM test (flake check `vote`): three builders on the test network build
# ./closure.nix and publish it as signed binary caches; builder-c lies about
# `contested`. On `machine`, services.trustix-vote runs with a unanimity policy and
# a generated signing key, and an ordinary user's nix-build must
#   - substitute through serve what all three agree on (libfoo, app: signed by serve's key),
#   - build `contested` locally (2 of 3 is not unanimous; its bytes say "local"),
#   - with the named policy `majority`, picked by an untrusted user through
#     trusted-substituters, substitute the honest `contested` instead,
#   - not be able to name a builder directly as a substituter.
# Builder keys are fixed test keys in ./keys (secret halves included: test only).
{ pkgs, module }:
let
  inherit (pkgs) lib;
  builders = [ "a" "b" "c" ];
  publicKey = name: lib.fileContents (./keys + "/builder-${name}.pub");

  builder = name: flavour: { ... }: {
    environment.etc."vote-test/closure.nix".source = ./closure.nix;
    environment.etc."vote-test/flavour".text = flavour;
    environment.etc."vote-test/key.sec".source = ./keys + "/builder-${name}.sec";
    # contested reads /etc/vote-test/flavour: only outside the sandbox.
    nix.settings.sandbox = false;
    nix.settings.substituters = lib.mkForce [ ];
    nix.settings.experimental-features = [ "nix-command" ];
    system.extraDependencies = [ pkgs.bash ];
    systemd.tmpfiles.rules = [ "d /srv/cache 0755 root root -" ];
    services.nginx = {
      enable = true;
      virtualHosts.cache = { default = true; root = "/srv/cache"; };
    };
    networking.firewall.allowedTCPPorts = [ 80 ];
  };
in
pkgs.testers.runNixOSTest {
  name = "trustix-vote";

  nodes = {
    builder-a = builder "a" "honest";
    builder-b = builder "b" "honest";
    builder-c = builder "c" "lie";

    machine = { ... }: {
      imports = [ module ];
      services.trustix-vote = {
        enable = true;
        logs = lib.listToAttrs (map (n: lib.nameValuePair "builder-${n}" { url = "http://builder-${n}"; publicKey = publicKey n; }) builders);
        policy = ''
          return function(path, votes, logs)
            return trustix.percentage(votes, logs, 100)
          end
        '';
        policies.majority.policy = ''
          return function(path, votes, logs)
            return trustix.majority(votes, logs)
          end
        '';
      };
      users.users.alice.isNormalUser = true;
      environment.etc."vote-test/closure.nix".source = ./closure.nix;
      environment.systemPackages = [ pkgs.curl ];
      system.extraDependencies = [ pkgs.bash ];
    };
  };

  testScript = ''
    import json

    bash = "${pkgs.bash}"

    def build_cmd(salt, attr="app", extra=""):
        return (f"nix-build /etc/vote-test/closure.nix -A {attr} --argstr salt {salt} "
                f"--argstr bash {bash} --no-out-link {extra}")

    start_all()

    with subtest("each builder publishes its build of two closures, signed with its key"):
        for node in (builder_a, builder_b, builder_c):
            node.wait_for_unit("nginx.service")
            for salt in ("one", "two"):
                out = node.succeed(build_cmd(salt)).strip()
                node.succeed(f"nix copy --to 'file:///srv/cache?secret-key=/etc/vote-test/key.sec' {out}")
            node.succeed("curl -fsS http://localhost/nix-cache-info")

    with subtest("the key is made before the Nix daemon starts, and nix.conf trusts it alone"):
        machine.wait_for_unit("multi-user.target")
        machine.succeed("systemctl is-active trustix-vote-keygen.service")
        pub = machine.succeed("cat /var/lib/trustix-vote/keys/signing-key.pub").strip()
        key_name = pub.split(":")[0]
        assert key_name == "machine-trustix-vote-1", pub
        machine.succeed(f"grep -qxF 'trusted-public-keys = {pub}' /var/lib/trustix-vote/nix.conf")
        machine.succeed("grep -qx 'substituters = http://127.0.0.1:37515' /etc/nix/nix.conf")
        machine.succeed("grep -qxF '!include /var/lib/trustix-vote/nix.conf' /etc/nix/nix.conf")
        machine.succeed("trustix-vote config check /etc/trustix-vote/config.ini")

    with subtest("the socket starts serve on the first request"):
        machine.succeed("systemctl is-active trustix-vote.socket")
        machine.succeed("curl -fsS http://127.0.0.1:37515/nix-cache-info")
        machine.wait_for_unit("trustix-vote.service")

    def closure_of(app):
        paths = machine.succeed(f"nix-store -qR {app}").split()
        return {p.split("-", 1)[1]: p for p in paths}

    def sigs(path):
        return machine.succeed(f"nix --extra-experimental-features nix-command path-info --sigs {path}")

    def substituted(path):
        return f"{key_name}:" in sigs(path)

    with subtest("an untrusted user's nix-build: agreed paths substituted, the contested one built"):
        app = machine.succeed(f"su - alice -c '{build_cmd('one')}'").strip().splitlines()[-1]
        p = closure_of(app)
        assert substituted(p["libfoo"]), sigs(p["libfoo"])
        assert substituted(app), sigs(app)
        assert not substituted(p["contested"]), sigs(p["contested"])
        content = machine.succeed(f"cat {p['contested']}")
        assert content.startswith("local one contested"), content

    with subtest("serve logged its verdicts"):
        lines = machine.succeed("journalctl -u trustix-vote.service -o cat").splitlines()
        decisions = [json.loads(l) for l in lines if l.startswith('{"event":"decision"')]
        verdict = {d["path"]: d["verdict"] for d in decisions if d.get("path")}
        assert verdict.get(p["contested"]) == "untrusted", decisions
        assert verdict.get(p["libfoo"]) == "trusted", decisions

    with subtest("a named policy, picked by an untrusted user, substitutes the majority's bytes"):
        extra = "--option substituters http://127.0.0.1:37515/policy/majority"
        app2 = machine.succeed(f"su - alice -c '{build_cmd('two', extra=extra)}'").strip().splitlines()[-1]
        p2 = closure_of(app2)
        assert substituted(p2["contested"]), sigs(p2["contested"])
        content = machine.succeed(f"cat {p2['contested']}")
        assert content.startswith("honest two contested"), content

    with subtest("a builder named directly is not a substituter for an untrusted user"):
        extra = "--option substituters http://builder-a"
        err = machine.succeed(f"su - alice -c '{build_cmd('three', attr='libfoo', extra=extra)} 2>&1 >/dev/null'")
        assert "untrusted substituter" in err, err
  '';
}
