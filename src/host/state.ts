/**
 * The StateStore on disk: one file per key in a directory, replaced atomically
 * (write a temporary file, fsync, rename), so a crash leaves the old value or the
 * new one, never half of either. Keys are plain names; nothing else reaches the disk.
 */
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { StateStore } from '../ops.ts';

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function createFileState(dir: string): StateStore {
  const fileOf = (key: string): string => {
    if (!KEY.test(key)) throw new TypeError(`bad state key ${JSON.stringify(key)}`);
    return join(dir, key);
  };
  return {
    async read(key) {
      try {
        return new Uint8Array(await readFile(fileOf(key)));
      } catch {
        return undefined;
      }
    },
    async write(key, value) {
      const file = fileOf(key);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      const handle = await open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(value);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await rename(tmp, file);
      } catch (e) {
        await unlink(tmp).catch(() => undefined);
        throw e;
      }
    },
  };
}
