/** The runtime's version, sent to the relay in `hello`. A test keeps it equal to package.json. */
export const RUNTIME_VERSION = '0.1.0';
