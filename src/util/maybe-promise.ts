export type MaybePromise<T> = T | Promise<T>;

export function isPromise<T>(v: MaybePromise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | undefined)?.then === 'function';
}

/**
 * Runs `next` with a value that may still be on its way: at once for a plain value (so a synchronous
 * store keeps every effect synchronous), when it settles for a promise. A throw or rejection goes to
 * `onError`, never to the caller.
 */
export function after<T>(value: MaybePromise<T>, next: (v: T) => void, onError: (err: unknown) => void): void {
  const run = (v: T) => {
    try {
      next(v);
    } catch (err) {
      onError(err);
    }
  };
  if (isPromise(value)) value.then(run, onError);
  else run(value);
}
