/**
 * Progress on stderr, so stdout carries only the result: on a terminal a bar redrawn in place, otherwise one line per
 * quarter (or per change of what is being done), and nothing at all with --quiet.
 */
export function createProgress(quiet: boolean, out: NodeJS.WriteStream = process.stderr) {
  const tty = out.isTTY === true;
  let lastLine = '';
  let lastQuarter = -1;
  const bar = (fraction: number) => {
    const width = 24;
    const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%`;
  };
  return {
    update(what: string, fraction: number | null, detail: string) {
      if (quiet) return;
      const line = `${what.padEnd(7)} ${fraction === null ? '' : `${bar(fraction)} `}${detail}`;
      if (tty) {
        out.write(`\r\x1b[2K${line}`);
        return;
      }
      const quarter = fraction === null ? -1 : Math.floor(fraction * 4);
      if (line !== lastLine && (fraction === null ? detail !== lastLine : quarter !== lastQuarter)) {
        out.write(`${line}\n`);
        lastQuarter = quarter;
      }
      lastLine = fraction === null ? detail : line;
    },
    done(what: string, detail: string) {
      if (quiet) return;
      out.write(`${tty ? '\r\x1b[2K' : ''}${what.padEnd(7)} ${bar(1)} ${detail}\n`);
      lastQuarter = -1;
      lastLine = '';
    },
  };
}
