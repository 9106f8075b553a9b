/**
 * Test support (not exported): the stand-in relay of the SDK's tests, a real HTTP + WebSocket
 * server on port 0 that plays the relay's part of the API, so CLI tests run the built bin over
 * real sockets. One copy serves both packages.
 */
export * from '../../../sdk/src/test-support/test-relay.js';
