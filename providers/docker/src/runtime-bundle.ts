// Bundled by tsup into dist/runtime/runtime.mjs with every dependency inlined: the file the
// provider copies into each container and runs with node.
import '@codebolt/runtime/bin';
