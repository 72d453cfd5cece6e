# services.trustix-vote: `trustix-vote serve` as this machine's only substituter.
#
# Nix asks a binary cache on loopback for every path it would substitute; serve asks
# the configured logs (independent builders), lets the Lua policy vote, and answers
# only for winners, signed with its own key. The module writes serve's INI config
# (through ./config.nix, a pure function the test suite evaluates), runs serve
# socket-activated under a dynamic user with the signing key as a credential, and
# makes serve's URL and key the only ones nix.conf trusts.
{ config, lib, pkgs, ... }:
let
  cfg = config.services.trustix-vote;
  opt = "services.trustix-vote";
  inherit (lib) mkOption mkIf mkDefault mkForce types literalExpression;

  stateDir = "/var/lib/trustix-vote";
  url = "http://${cfg.listen}";
  policyUrl = name: "${url}/policy/${name}";
  generatedKey = cfg.signingKey.file == null;
  serveKeys = lib.optional (cfg.signingKey.publicKey != null) cfg.signingKey.publicKey;
  keySource = if generatedKey then "${stateDir}/keys/signing-key" else cfg.signingKey.file;

  nameRe = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";
  publicKeyType = types.strMatching "[^:[:space:]]+:[A-Za-z0-9+/]{43}=";
  base64Of = key: lib.last (lib.splitString ":" key);

  policyOptions = {
    policy = mkOption {
      type = types.nullOr types.lines;
      default = null;
      example = ''
        return function(path, votes, logs)
          return trustix.percentage(votes, logs, 66) or trustix.name(votes, "cache.nixos.org")
        end
      '';
      description = ''
        The Lua policy: a chunk returning `function(path, votes, logs)` that returns
        the `nar_hash` to trust, or `nil` to leave the path to a local build. Stored
        in the Nix store. Without `policy` or `policyFile`, a strict majority of
        the configured logs decides.
      '';
    };
    policyFile = mkOption {
      type = types.nullOr types.path;
      default = null;
      example = literalExpression "./policy.lua";
      description = ''
        The Lua policy as a file, instead of `policy`. A Nix path is copied into the
        store; a string such as `"/etc/trustix-vote/policy.lua"` is read when serve
        starts (then set `checkConfig = false`: the build sandbox cannot read it).
      '';
    };
  };

  # `policy` text becomes a store file; ./config.nix sees files only.
  fileOf = name: p: if p.policy != null then pkgs.writeText "trustix-vote-${name}.lua" p.policy else p.policyFile;

  ini = import ./config.nix {
    inherit (cfg) logs mode listen upstreams query settings;
    policyFile = fileOf "policy" cfg;
    policies = lib.mapAttrs (name: p: { policyFile = fileOf "policy-${name}" p; }) cfg.policies;
    signingKeyFile = "/run/credentials/trustix-vote.service/signing-key";
    inherit stateDir;
  };

  configFile = pkgs.runCommand "trustix-vote.ini"
    {
      text = ini;
      passAsFile = [ "text" ];
      preferLocalBuild = true;
      allowSubstitutes = false;
    }
    ''
      cp "$textPath" "$out"
      ${lib.optionalString cfg.checkConfig ''${lib.getExe cfg.package} config check "$out" >&2''}
    '';

  # Shared by serve and the key maker. Not MemoryDenyWriteExecute: V8's JIT writes
  # and then runs machine code, and Node aborts at start under it (nodejs/node#55509).
  hardening = {
    DynamicUser = true;
    User = "trustix-vote";
    StateDirectory = "trustix-vote";
    StateDirectoryMode = "0700";
    UMask = "0077";
    ProtectSystem = "strict";
    ProtectHome = true;
    PrivateTmp = true;
    PrivateDevices = true;
    DeviceAllow = "";
    PrivateUsers = true;
    PrivateMounts = true;
    NoNewPrivileges = true;
    CapabilityBoundingSet = "";
    AmbientCapabilities = "";
    SystemCallFilter = [ "@system-service" "~@privileged" ];
    SystemCallArchitectures = "native";
    # A filtered call fails instead of killing Node (libuv probes io_uring, for one).
    SystemCallErrorNumber = "EPERM";
    RestrictNamespaces = true;
    RestrictRealtime = true;
    RestrictSUIDSGID = true;
    LockPersonality = true;
    ProtectKernelTunables = true;
    ProtectKernelModules = true;
    ProtectKernelLogs = true;
    ProtectControlGroups = true;
    ProtectClock = true;
    ProtectHostname = true;
    ProcSubset = "pid";
    ProtectProc = "invisible";
    # serve reaches remote logs, so no PrivateNetwork; Nix reaches serve through the socket unit.
    RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" ];
    MemoryDenyWriteExecute = false;
  };

  # What must hold for serve to be the vote Nix cannot go around (README: "What bypasses the vote").
  settings = config.nix.settings;
  sharedKeys = lib.filterAttrs (_: names: lib.length names > 1)
    (lib.groupBy (name: base64Of cfg.logs.${name}.publicKey) (lib.attrNames cfg.logs));
  refuse = bad: message: { assertion = !bad; message = "${opt}: ${message}"; };
  badName = what: name: refuse (builtins.match nameRe name == null)
    "${what} name \"${name}\" may hold only letters, digits, \".\", \"_\" and \"-\", at most 64, starting with a letter or digit";
in
{
  options.services.trustix-vote = policyOptions // {
    enable = lib.mkEnableOption "trustix-vote, which lets several independent builders vote on every store path before Nix substitutes it";

    package = mkOption {
      type = types.package;
      default = pkgs.trustix-vote or (pkgs.callPackage ./package.nix { });
      defaultText = literalExpression "pkgs.trustix-vote or (pkgs.callPackage ./nix/package.nix { })";
      description = "The trustix-vote package.";
    };

    logs = mkOption {
      type = types.attrsOf (types.submodule {
        options = {
          kind = mkOption {
            type = types.enum [ "binary-cache" "trustix" "local" ];
            default = "binary-cache";
            description = "How the log is asked: a binary cache's signed narinfos. (`trustix` and `local` are reserved for their issues; the program refuses them until then.)";
          };
          url = mkOption {
            type = types.nullOr types.str;
            default = null;
            example = "https://cache.nixos.org";
            description = "Where the log answers (required for `binary-cache` and `trustix`).";
          };
          publicKey = mkOption {
            type = publicKeyType;
            example = "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=";
            description = "The key this builder signs with, as in `trusted-public-keys`. A narinfo counts as this log's vote only with a valid signature by this key.";
          };
          weight = mkOption {
            type = types.numbers.nonnegative;
            default = 1;
            description = "The log's weight, for `trustix.weighted` and `logs[i].weight` in the policy.";
          };
          trustedUntil = mkOption {
            type = types.nullOr (types.strMatching "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})");
            default = null;
            example = "2026-06-30T00:00:00Z";
            description = "An RFC 3339 time after which this log's votes no longer count (a key being retired); `null`: no end.";
          };
        };
      });
      default = { };
      example = literalExpression ''
        {
          "cache.nixos.org".url = "https://cache.nixos.org";
          "cache.nixos.org".publicKey = "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=";
          builder-b = { url = "https://cache.example.org"; publicKey = "builder-b-1:…"; weight = 2; };
        }
      '';
      description = ''
        The builders that vote, by name (letters, digits, `.`, `_`, `-`). Each must
        be an independent builder with a key of its own: two logs with one key are
        one builder, and the module refuses them.
      '';
    };

    policies = mkOption {
      type = types.attrsOf (types.submodule { options = policyOptions; });
      default = { };
      example = literalExpression ''{ strict.policy = "return function(p, v, l) return trustix.percentage(v, l, 100) end"; }'';
      description = ''
        Named policies, served at `http://LISTEN/policy/NAME` and added to
        `trusted-substituters`, so any user may pick one for a project, e.g. a
        flake's `nixConfig.substituters = [ "http://127.0.0.1:37515/policy/strict" ]`.
        Only names listed here exist: a project cannot bring its own policy.
      '';
    };

    mode = mkOption {
      type = types.enum [ "enforce" "report" ];
      default = "enforce";
      description = "`enforce`: serve only what wins the vote. `report`: serve whatever some log signed and record at /report what the policy would have rejected.";
    };

    listen = mkOption {
      # An address, not a host name: systemd's ListenStream does not resolve names.
      type = types.strMatching "([0-9.]+|\\[[0-9a-fA-F:.]+]):[0-9]{1,5}";
      default = "127.0.0.1:37515";
      example = "[::1]:37515";
      description = "IP:PORT of the socket unit; Nix's only substituter becomes `http://LISTEN`.";
    };

    upstreams = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "https://cache.nixos.org" ];
      description = "Binary caches NARs are fetched from (only where the narinfo holds the winning NarHash); empty: every log.";
    };

    query = {
      timeout = mkOption {
        type = types.nullOr types.numbers.positive;
        default = null;
        description = "Seconds per request to a log; `null`: the program's default (5).";
      };
      deadline = mkOption {
        type = types.nullOr types.numbers.positive;
        default = null;
        description = "Seconds for the whole vote on one path; `null`: the program's default (60).";
      };
    };

    settings = mkOption {
      type = types.attrsOf (types.attrsOf (types.nullOr (types.oneOf [ types.bool types.int types.float types.str ])));
      default = { };
      example = { query.retries = 3; serve.cache-size = 200000; };
      description = "Further INI keys by section, added to (and winning over) what the options above write. See the README's Configuration section.";
    };

    idleExit = mkOption {
      type = types.nullOr types.ints.positive;
      default = 900;
      description = "Seconds without requests after which serve exits; the socket stays and the next request starts it again. `null`: run until stopped.";
    };

    checkConfig = mkOption {
      type = types.bool;
      default = pkgs.stdenv.buildPlatform.canExecute pkgs.stdenv.hostPlatform;
      defaultText = literalExpression "pkgs.stdenv.buildPlatform.canExecute pkgs.stdenv.hostPlatform";
      description = "Run `trustix-vote config check` on the generated config (and every policy) when the system is built.";
    };

    signingKey = {
      name = mkOption {
        type = types.strMatching "[^:[:space:]]+";
        default = "${if config.networking.hostName != "" then config.networking.hostName else "localhost"}-trustix-vote-1";
        defaultText = literalExpression ''"''${config.networking.hostName}-trustix-vote-1"'';
        description = "Name of the key made at first start (only then: renaming later keeps the old key).";
      };
      file = mkOption {
        type = types.nullOr (types.strMatching "/.+");
        default = null;
        example = "/etc/trustix-vote/signing-key";
        description = ''
          serve's secret key, made by `trustix-vote keygen NAME --secret FILE --public PUB`,
          handed to serve as a systemd credential (a string, so it never enters the
          store). Set `publicKey` with it. `null` (the default): a key is made at first
          start in ${stateDir}/keys/ and nix.conf reads its public half through
          `!include ${stateDir}/nix.conf`, so Nix trusts it from the first boot on.
        '';
      };
      publicKey = mkOption {
        type = types.nullOr publicKeyType;
        default = null;
        description = "The public half of `file`; becomes Nix's only `trusted-public-keys` entry.";
      };
      publicKeyFile = mkOption {
        type = types.nullOr types.str;
        readOnly = true;
        default = if generatedKey then "${stateDir}/keys/signing-key.pub" else null;
        defaultText = literalExpression ''"${stateDir}/keys/signing-key.pub" when signingKey.file is null'';
        description = "Where the generated key's public half is (readable by root).";
      };
    };

    # The post-build hook (publishing this machine's own builds as a log) has its own
    # issue; the option exists so configurations can name it, and stays off until then.
    postBuildHook.enable = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Point nix.conf's post-build-hook at the package's hooks/post-build-hook: after every
        local build Nix runs it, and it only queues the outputs in the state directory (a
        shell script: no Node, no network; it exits 0 whatever happens). serve drains the
        queue, compares each build with the logs and records it in its journal
        (`trustix-vote why PATH`, `trustix-vote report`).
      '';
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      (refuse (cfg.logs == { }) "logs is empty: configure at least one log (an independent builder's cache URL and public key)")
      (refuse (cfg.policy != null && cfg.policyFile != null) "set policy or policyFile, not both")
      (refuse (sharedKeys != { }) (lib.concatStringsSep "; " (lib.mapAttrsToList
        (_: names: "logs ${lib.concatStringsSep ", " names} have the same public key: they are one builder, not ${toString (lib.length names)} votes")
        sharedKeys)))
      (refuse (generatedKey != (cfg.signingKey.publicKey == null)) "set signingKey.file and signingKey.publicKey together, or neither (a key made at first start)")
      (refuse (settings.substituters != [ url ]) "nix.settings.substituters must be [ \"${url}\" ] alone, but another definition adds to it: ${toString settings.substituters}")
      (refuse ((settings.extra-substituters or [ ]) != [ ]) "nix.settings.extra-substituters would let Nix substitute around the vote")
      (refuse ((settings.extra-trusted-public-keys or [ ]) != [ ]) "nix.settings.extra-trusted-public-keys would let Nix trust other signers")
      (refuse ((settings.trusted-substituters or [ ]) != map policyUrl (lib.attrNames cfg.policies)) "nix.settings.trusted-substituters must list serve's named policies alone: any user may add a trusted substituter")
      (refuse (settings.trusted-public-keys != serveKeys) "nix.settings.trusted-public-keys must hold serve's key alone, but another definition adds to it")
      (refuse (!(settings.require-sigs or true)) "nix.settings.require-sigs = false lets Nix take unsigned paths from any substituter")
    ]
    ++ map (badName "log") (lib.attrNames cfg.logs)
    ++ map (badName "policy") (lib.attrNames cfg.policies)
    ++ lib.mapAttrsToList (name: l: refuse (l.kind != "local" && l.url == null) "logs.${name}.url is required for kind ${l.kind}") cfg.logs
    ++ lib.mapAttrsToList (name: p: refuse ((p.policy == null) == (p.policyFile == null)) "policies.${name}: set exactly one of policy or policyFile") cfg.policies;

    warnings =
      lib.optional (cfg.mode == "report") "${opt}.mode = \"report\": serve hands Nix whatever any log signed and only records what the policy would reject"
      ++ lib.optional (settings.builders-use-substitutes or false) "nix.settings.builders-use-substitutes: remote builders substitute from their own caches, around the vote";

    environment.systemPackages = [ cfg.package ];
    # For `trustix-vote check --config /etc/trustix-vote/config.ini TARGET` by hand.
    environment.etc."trustix-vote/config.ini".source = configFile;

    nix.settings = {
      substituters = mkForce [ url ];
      trusted-substituters = mkForce (map policyUrl (lib.attrNames cfg.policies));
      trusted-public-keys = mkForce (serveKeys);
      # A policy change should not wait an hour behind the 404s Nix remembers.
      narinfo-cache-negative-ttl = mkDefault 30;
      fallback = mkDefault true;
      # It reads /etc/trustix-vote/config.ini (written below) to find the state directory.
      post-build-hook = mkIf cfg.postBuildHook.enable "${cfg.package}/lib/node_modules/trustix-vote/hooks/post-build-hook";
    };
    # The generated key is known only at run time; nix.conf picks it up from here
    # ("!": no error while the file does not exist yet: Nix then trusts no key).
    nix.extraOptions = mkIf generatedKey ''
      !include ${stateDir}/nix.conf
    '';

    systemd.sockets.trustix-vote = {
      description = "trustix-vote serve socket (Nix's substituter)";
      wantedBy = [ "sockets.target" ];
      socketConfig.ListenStream = cfg.listen;
    };

    systemd.services.trustix-vote = {
      description = "trustix-vote serve: Nix's substituter, answering only for paths that won the vote";
      requires = [ "trustix-vote.socket" ] ++ lib.optional generatedKey "trustix-vote-keygen.service";
      after = [ "trustix-vote.socket" ] ++ lib.optional generatedKey "trustix-vote-keygen.service";
      serviceConfig = hardening // {
        Type = "exec";
        ExecStart = "${lib.getExe cfg.package} serve --config ${configFile}"
          + lib.optionalString (cfg.idleExit != null) " --idle-exit ${toString cfg.idleExit}";
        Restart = "on-failure";
        CacheDirectory = "trustix-vote";
        CacheDirectoryMode = "0700";
        LoadCredential = [ "signing-key:${keySource}" ];
      };
    };

    # Made once, before the Nix daemon reads nix.conf. keys/ appears whole or not at
    # all (rename of a finished directory), so a crash never leaves half a pair.
    systemd.services.trustix-vote-keygen = mkIf generatedKey {
      description = "trustix-vote: make serve's signing key on first start";
      wantedBy = [ "multi-user.target" ];
      before = [ "nix-daemon.service" "trustix-vote.service" ];
      serviceConfig = hardening // {
        Type = "oneshot";
        RemainAfterExit = true;
        PrivateNetwork = true;
      };
      script = ''
        cd "$STATE_DIRECTORY"
        if [ ! -d keys ]; then
          rm -rf keys.new
          mkdir keys.new
          ${lib.getExe cfg.package} keygen ${lib.escapeShellArg cfg.signingKey.name} \
            --secret keys.new/signing-key --public keys.new/signing-key.pub >/dev/null
          mv -T keys.new keys
        fi
        echo "trusted-public-keys = $(cat keys/signing-key.pub)" > nix.conf.new
        mv nix.conf.new nix.conf
      '';
    };
    systemd.services.nix-daemon = mkIf generatedKey {
      wants = [ "trustix-vote-keygen.service" ];
      after = [ "trustix-vote-keygen.service" ];
    };
  };
}
