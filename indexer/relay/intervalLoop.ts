/**
 * A background loop that runs one round, sleeps `intervalMs` (or until wake()), and repeats until stop().
 * A round that throws is reported to `onError` and retried next interval; stop() waits for the round in flight.
 */
export class IntervalLoop {
  readonly #round: () => Promise<void>;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(round: () => Promise<void>, intervalMs: number, onError: (error: unknown) => void) {
    this.#round = round;
    this.#intervalMs = intervalMs;
    this.#onError = onError;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        try {
          await this.#round();
        } catch (error) {
          this.#onError(error);
        }
        if (!this.#running) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#intervalMs);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = undefined;
      }
    })();
  }

  /** Ends the sleep at once (the next round starts now). */
  wake(): void {
    this.#wake?.();
  }

  /** Ends the loop after the round in flight. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
  }
}
