// `@codebolt/provider-ssh/testing`: the private sshd the SSH tests use, for suites in other
// packages (the end-to-end tests drive the relay and CLI against it).
export { startTestSshd, type TestSshd } from './test-support/sshd.js';
