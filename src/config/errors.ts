/** A configuration problem, told with the file, section and key to fix. Exit status 2. */
export class ConfigError extends Error {
  readonly code = 'CONFIG';
  constructor(
    readonly file: string,
    readonly where: { readonly section?: string; readonly key?: string; readonly line?: number },
    message: string,
    options?: { cause?: unknown },
  ) {
    const at = [
      where.line !== undefined ? `${file}:${where.line}` : file,
      where.section !== undefined ? `[${where.section}]` : undefined,
      where.key,
    ].filter((x) => x !== undefined);
    super(`${at.join(' ')}: ${message}`, options);
  }
}
