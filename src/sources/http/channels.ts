import * as diagch from 'node:diagnostics_channel';

type Handler = (message: unknown, name: string | symbol) => void;

/**
 * A set of diagnostics-channel subscriptions that can be switched on and off idempotently.
 * Every handler is guarded: a subscriber that throws would surface as an uncaughtException in the app.
 */
export class ChannelSubscriptions {
  private active: { name: string; fn: Handler }[] = [];

  constructor(private readonly onError: (where: string, err: unknown) => void) {}

  // Each channel publishes its own message shape: handlers declare the one they read.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a record of differently typed handlers (parameter bivariance needs any here)
  subscribe(handlers: Record<string, (message: any) => void>): void {
    if (this.active.length) return;
    for (const [name, handler] of Object.entries(handlers)) {
      const fn: Handler = (message) => {
        try {
          handler(message);
        } catch (err) {
          this.onError(name, err);
        }
      };
      diagch.subscribe(name, fn);
      this.active.push({ name, fn });
    }
  }

  unsubscribe(): void {
    for (const { name, fn } of this.active) diagch.unsubscribe(name, fn);
    this.active = [];
  }
}
