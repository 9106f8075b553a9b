/** How long `env create|start|stop|restart|delete` wait for the outcome before failing with `timeout`. */
export const WAIT_TIMEOUT_MS = 300_000;
