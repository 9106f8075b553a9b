#!/usr/bin/env node
// A stand-in runtime for the local provider's tests. It connects to 127.0.0.1:TEST_REPORT_PORT,
// writes one JSON line { role, pid, ppid, argv, cwd, env, childPid? } and then waits until it is
// killed or the connection closes.
// TEST_IGNORE_SIGTERM=1: ignores SIGTERM. TEST_SPAWN_CHILD=1: starts a child in its process
// group that reports too (role "child") and also ignores SIGTERM.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const role = process.argv[2] === 'child' ? 'child' : 'runtime';
if (process.env.TEST_IGNORE_SIGTERM === '1') process.on('SIGTERM', () => {});
setInterval(() => {}, 60_000);

let childPid;
if (role === 'runtime' && process.env.TEST_SPAWN_CHILD === '1') {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'child'], { stdio: 'ignore' });
  childPid = child.pid;
}

console.log(`test runtime started (${role})`);
const socket = connect(Number(process.env.TEST_REPORT_PORT), '127.0.0.1');
// Without its test (the report server closed, or never reachable) the process has no reason to live.
socket.on('error', () => process.exit(1));
socket.on('close', () => process.exit(1));
socket.on('connect', () => {
  socket.write(`${JSON.stringify({ role, pid: process.pid, ppid: process.ppid, argv: process.argv, cwd: process.cwd(), env: process.env, childPid })}\n`);
});
