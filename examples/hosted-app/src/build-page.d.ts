/** Writes dist/app.js (the page bundled for the browser) and returns its path. */
export declare function buildPage(): Promise<string>;
