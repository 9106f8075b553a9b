/** Braille spinner frames, one per redraw. */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** How often the spinner redraws, in milliseconds. */
export const SPINNER_INTERVAL_MS = 100;

/**
 * A one-line progress spinner on a terminal stream: `⠋ demo: starting… 3s`, redrawn in place
 * (carriage return + erase line) every 100 ms. Only for terminals: callers create one only when
 * the stream is a TTY, so pipes and files never see control characters. `stop()` erases the line.
 */
export class Spinner {
  #frame = 0;
  #text: string;
  readonly #startedAt = Date.now();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    text: string,
  ) {
    this.#text = text;
    this.#draw();
    this.#timer = setInterval(() => this.#draw(), SPINNER_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Replaces the text after the spinner. */
  update(text: string): void {
    this.#text = text;
    this.#draw();
  }

  /** Stops redrawing and erases the line. */
  stop(): void {
    clearInterval(this.#timer);
    this.stream.write('\r\x1b[K');
  }

  #draw(): void {
    const seconds = Math.floor((Date.now() - this.#startedAt) / 1000);
    this.stream.write(`\r\x1b[K${FRAMES[this.#frame++ % FRAMES.length]} ${this.#text} ${seconds}s`);
  }
}
