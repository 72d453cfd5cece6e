/**
 * serve's heap is made lean before anything else loads (main.ts imports this first), so
 * that V8 has not grown it yet (host/memory.ts, bench/serve-memory.ts). check keeps V8's
 * defaults until its closure is large (cli/check.ts): it runs once, as fast as it can.
 */
import { leanHeap } from '../host/memory.ts';

if (process.argv[2] === 'serve') leanHeap();
