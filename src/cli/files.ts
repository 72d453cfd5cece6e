/** The file reads a CliIO offers commands, on the real file system (the bin's and the tests'). */
import { readFileSync, statSync } from 'node:fs';
import type { CliIO } from './io.ts';

export const readFileOrUndefined: CliIO['readFile'] = (p) => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
};

/** A file, or a directory Nix would read as one (it holds default.nix). */
export const isFileOrNixDir: CliIO['isFile'] = (p) => {
  try {
    return statSync(p).isFile() || statSync(`${p}/default.nix`).isFile();
  } catch {
    return false;
  }
};
