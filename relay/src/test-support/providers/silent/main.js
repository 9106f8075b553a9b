// Test provider: never connects to the relay; exits when the relay closes its stdin.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
setInterval(() => {}, 1 << 30);
