/**
 * The progress line of long mode: one line rewritten in place (\r) on a terminal, a line per 10 %
 * otherwise (logs, CI, a test's pipe).
 */
export function createProgress(out, total, { intervalMs = 250, status }) {
  const tty = out.isTTY === true;
  const started = Date.now();
  let done = 0;
  let lastDecile = 0;
  let width = 0;
  const line = () => {
    const s = (Date.now() - started) / 1000;
    const rate = s > 0 ? Math.round(done / s) : 0;
    return `  traffic ${String(done).padStart(String(total).length)}/${total} calls · ${rate} calls/s · ${status()}`;
  };
  const draw = () => {
    const text = line();
    out.write(`\r${text.padEnd(width)}`);
    width = text.length;
  };
  const timer = tty ? setInterval(draw, intervalMs) : undefined;
  return {
    /** `n` calls done so far. */
    update(n) {
      done = n;
      if (tty) return;
      const decile = Math.floor((n * 10) / total);
      if (decile > lastDecile) {
        lastDecile = decile;
        out.write(`${line()}\n`);
      }
    },
    stop() {
      if (timer) clearInterval(timer);
      if (tty) out.write(`\r${line().padEnd(width)}\n`);
      else if (Math.floor((done * 10) / total) === lastDecile && done < total) out.write(`${line()} (stopped)\n`);
    },
  };
}
