/** `trustix-vote policy test`: try a policy on sample votes before deploying it. */
import { parseArgs } from 'node:util';
import { CHUNK_TIME_LIMIT_MS, DEFAULT_TIME_LIMIT_MS, loadPolicy } from '../vote/policy.ts';
import { parseSample, SampleError } from '../vote/sample.ts';
import type { CliIO } from './io.ts';
import { UsageError } from './io.ts';
import { summary, toJson, toTable } from './table.ts';

export const POLICY_HELP = `Usage: trustix-vote policy test FILE --votes VOTES.json [--json]

Run the Lua policy FILE on sample ballots, exactly as check and serve would, and
show each verdict. Nothing is queried.

VOTES.json
  { "logs":  [ { "name": "cache-a", "weight": 1 }, … ],
    "paths": [ { "path": "/nix/store/…-hello-2.12",
                 "answers": { "cache-a": { "narHash": "sha256:…", "narSize": 1234, "references": [] },
                              "cache-b": { "outcome": "miss" },
                              "cache-c": { "outcome": "fault", "reason": "timeout" } } } ] }
  A log missing from "answers" is a miss.

Options
  --votes FILE   the sample ballots (required)
  --json         print the decisions as JSON (the shape of check --json)
  -h, --help     show this help

Exit status
  0  every sample path is trusted
  1  at least one is untrusted
  2  usage error, unreadable or malformed file, or a policy that does not load
`;

export async function runPolicy(argv: readonly string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '-h' || sub === '--help') {
    io.stdout(POLICY_HELP);
    return 0;
  }
  if (sub === undefined || sub.startsWith('-')) throw new UsageError('policy needs a subcommand: trustix-vote policy test FILE --votes VOTES.json');
  if (sub !== 'test') throw new UsageError(`unknown policy subcommand "${sub}" (the one there is: trustix-vote policy test FILE --votes VOTES.json)`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      votes: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(POLICY_HELP);
    return 0;
  }
  const [file] = positionals;
  if (file === undefined || positionals.length > 1) throw new UsageError('policy test needs exactly one policy FILE');
  if (values.votes === undefined) throw new UsageError('policy test needs --votes FILE');
  const source = io.readFile(file);
  if (source === undefined) throw new UsageError(`cannot read policy ${file}`);
  const votes = io.readFile(values.votes);
  if (votes === undefined) throw new UsageError(`cannot read votes ${values.votes}`);
  const { logs, ballots } = sampleIn(values.votes, votes);
  // In this thread, with the budget and time limit check and serve give each decision.
  const policy = loadPolicy({ source, chunkName: file, logs, time: { ms: DEFAULT_TIME_LIMIT_MS, now: () => performance.now() }, chunkTimeMs: CHUNK_TIME_LIMIT_MS });
  try {
    const decisions = ballots.map((b) => policy.decide(b));
    if (values.json) io.stdout(`${toJson(decisions)}\n`);
    else io.stdout(`${toTable(decisions)}\n\n${summary(decisions)}\n`);
    return decisions.every((d) => d.verdict === 'trusted') ? 0 : 1;
  } finally {
    policy.close();
  }
}

/** The sample, with the votes file named in any complaint about it. */
function sampleIn(file: string, text: string): ReturnType<typeof parseSample> {
  try {
    return parseSample(text);
  } catch (e) {
    if (!(e instanceof SampleError)) throw e;
    throw new SampleError(`${file}: ${e.at}`, e.message.slice(e.at.length + 2), { cause: e });
  }
}
