/** The relay's version (kept in step with package.json by a test). */
export const RELAY_VERSION = '0.1.0';
