/**
 * Process-level fault detector: collects every 'unhandledRejection' and 'uncaughtException' while it
 * is installed. A fault test installs it for the whole file and asserts it stayed empty.
 */
export interface ProcessWatch {
  readonly problems: string[];
  stop(): void;
}

export function watchProcess(): ProcessWatch {
  const problems: string[] = [];
  const onRejection = (reason: unknown) => problems.push(`unhandledRejection: ${describe(reason)}`);
  const onException = (err: unknown) => problems.push(`uncaughtException: ${describe(err)}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    problems,
    stop: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

function describe(x: unknown): string {
  return x instanceof Error ? `${x.name}: ${x.message}\n${x.stack ?? ''}` : String(x);
}
