# trustix-vote's INI config from the NixOS module's options: a pure function that
# needs only builtins (no nixpkgs), so test/nix/config.test.ts evaluates it with
# nix-instantiate and feeds the result to `trustix-vote config check`.
#
# Input: the option values, with every policy already a file (the module turns
# `policy = ''…''` text into a store file first):
#
#   {
#     logs.cache-a = { kind = "binary-cache"; url = "http://127.0.0.1:8081";
#                      publicKey = "cache-a-1:BASE64="; weight = 1; trustedUntil = null; };
#     policyFile = "/nix/store/…-policy.lua";        # or null: the built-in majority
#     policies.strict.policyFile = "/nix/store/…-strict.lua";
#     mode = "enforce"; listen = "127.0.0.1:37515";
#     signingKeyFile = "/run/credentials/trustix-vote.service/signing-key";
#     upstreams = [ ];                                # [ ]: every log
#     query = { timeout = 5; deadline = 60; };        # null: the program's default
#     stateDir = "/var/lib/trustix-vote";             # or null
#     settings = { query.retries = 3; };              # extra keys, they win
#   }
#
# Output ([policy.NAME] after [policy], [log.NAME] and [policy.NAME] in name order):
#
#   [policy]
#   file = /nix/store/…-policy.lua
#   [policy.strict]
#   file = /nix/store/…-strict.lua
#   [query]
#   deadline = 60
#   timeout = 5
#   [log.cache-a]
#   kind = binary-cache
#   …
#
# A value the program's INI reader would cut short (a ";" or "#" starts a comment)
# is written JSON-quoted; a value spanning lines, or a name a section header cannot
# hold, is an evaluation error here rather than a surprise at run time.
{
  logs,
  policyFile ? null,
  policies ? { },
  mode ? "enforce",
  listen ? "127.0.0.1:37515",
  signingKeyFile ? null,
  upstreams ? [ ],
  query ? { },
  stateDir ? null,
  settings ? { },
  ...
}:
let
  inherit (builtins) attrNames concatStringsSep filter isAttrs isBool isFloat isInt isPath isString map match throw toJSON;

  # Names the program accepts after "log." / "policy." (a leading letter or digit,
  # then letters, digits, ".", "_", "-"; 64 at most), and keys.
  checkName = what: name:
    if match "[A-Za-z0-9][A-Za-z0-9._-]{0,63}" name != null then name
    else throw "trustix-vote config: ${what} name ${toJSON name} may hold only letters, digits, \".\", \"_\" and \"-\", at most 64, starting with a letter or digit";

  value = where: v:
    let
      s =
        if isString v then v
        else if isPath v then "${v}" # copied into the store, as a path option would be
        else if isBool v then (if v then "true" else "false")
        else if isInt v || isFloat v then toString v
        else throw "trustix-vote config: ${where} must be a string, path, number or boolean";
    in
    if match ".*[\n\r].*" s != null then throw "trustix-vote config: ${where} must be one line, got ${toJSON s}"
    else if s == "" || match "(.*[;#\"'\\\\].*)|([[:space:]].*)|(.*[[:space:]])" s != null then toJSON s
    else s;

  # One section: its keys in name order; null values are left out (the program's default).
  section = name: attrs:
    let keys = filter (k: attrs.${k} != null) (attrNames attrs);
    in "[${name}]\n" + concatStringsSep "" (map (k: "${checkName "key" k} = ${value "[${name}] ${k}" attrs.${k}}\n") keys);

  log = name: l: {
    name = "log.${checkName "log" name}";
    value = {
      kind = l.kind;
      url = l.url or null;
      key = l.publicKey;
      weight = l.weight or null;
      trusted-until = l.trustedUntil or null;
    };
  };

  generated =
    [ { name = "policy"; value.file = policyFile; } ]
    ++ map (n: { name = "policy.${checkName "policy" n}"; value.file = policies.${n}.policyFile; }) (attrNames policies)
    ++ [ { name = "query"; value = { timeout = query.timeout or null; deadline = query.deadline or null; }; } ]
    ++ map (n: log n logs.${n}) (attrNames logs)
    ++ [
      { name = "serve"; value = { signing-key = signingKeyFile; inherit listen mode; }; }
      { name = "upstream"; value.urls = if upstreams == [ ] then null else concatStringsSep " " upstreams; }
      { name = "state"; value.dir = stateDir; }
    ];

  generatedNames = map (s: s.name) generated;
  extra = map (n: { name = checkName "section" n; value = { }; }) (filter (n: !(builtins.elem n generatedNames)) (attrNames settings));

  # settings.<section>.<key> is added to (and wins over) what the options made.
  merged = map (s: s // { value = s.value // (settings.${s.name} or { }); }) (generated ++ extra);
  nonEmpty = filter (s: filter (k: s.value.${k} != null) (attrNames s.value) != [ ]) merged;
in
assert isAttrs logs;
concatStringsSep "\n" (map (s: section s.name s.value) nonEmpty)
