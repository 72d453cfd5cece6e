/**
 * npm test's reporter: Node's spec reporter, and then, as the very last lines of a
 * failing run, one line per failed test naming its file and its suites:
 *
 *   failing: test/server/node.test.ts > node adapter > pipes a stream through — Expected …
 *
 * A passing run ends with the spec summary as before (ℹ tests N … ℹ fail 0), which is
 * what CI reads. Used as `node --test --test-reporter=./test/reporter.mjs`; plain
 * JavaScript because Node 20 loads reporters before tsx's loader is in place.
 */
import { relative } from 'node:path';
import { Readable } from 'node:stream';
import { spec } from 'node:test/reporters';

/** @param {AsyncIterable<import('node:test/reporters').TestEvent>} source */
export default async function* failingLast(source) {
  /** @type {string[]} */
  const failing = [];
  // Per file, the names of the tests started at each nesting level: test:start comes
  // before a test's pass or fail, in declaration order.
  /** @type {Map<string, string[]>} */
  const started = new Map();
  const note = (event) => {
    if (event.type === 'test:start') {
      const names = started.get(event.data.file ?? '') ?? [];
      names.length = event.data.nesting;
      names.push(event.data.name);
      started.set(event.data.file ?? '', names);
    } else if (event.type === 'test:fail') {
      const { file = '', name, nesting, todo } = event.data;
      // A todo test that fails fails nobody's run: the spec output lists it as todo.
      if (todo !== undefined && todo !== false) return;
      const error = event.data.details.error;
      // A suite that failed only because a test in it did is not a failure of its own.
      if (error?.failureType === 'subtestsFailed') return;
      const where = relative(process.cwd(), file) || '?';
      const chain = name === file ? [`${where} (the file itself)`] : [where, ...(started.get(file) ?? []).slice(0, nesting), name];
      failing.push(`failing: ${chain.join(' > ')}${why(error)}`);
    }
  };
  async function* watched() {
    for await (const event of source) {
      note(event);
      yield event;
    }
  }
  for await (const chunk of Readable.from(watched()).pipe(new spec())) yield String(chunk);
  if (failing.length > 0) yield `\n${failing.join('\n')}\n`;
}

/** The first line of what went wrong, short: the details are in the spec output above. */
function why(error) {
  const cause = error?.cause instanceof Error ? error.cause.message : typeof error?.cause === 'string' ? error.cause : String(error?.message ?? '');
  // assert's "Expected values to be strictly equal:" says more with the line after it.
  const lines = cause.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const line = lines[0]?.endsWith(':') && lines[1] !== undefined ? `${lines[0]} ${lines[1]}` : (lines[0] ?? '');
  const kind = error?.failureType !== undefined && error.failureType !== 'testCodeFailure' ? `[${error.failureType}] ` : '';
  const text = `${kind}${line}`;
  return text === '' ? '' : ` — ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`;
}
