// Bundled by tsup into dist/remote/runtime.mjs with every dependency inlined: the runtime the
// provider uploads to the remote host, where the control program runs it with node.
import '@codebolt/runtime/bin';
