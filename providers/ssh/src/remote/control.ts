// The control program: uploaded with the runtime to <workdir>/bin/<hash>/control.mjs and run
// over SSH as `node control.mjs`, one request per run. It reads one JSON request on stdin
// (schemas in control-protocol.ts; the runtime token travels only there, never in argv), acts on
// one environment dir, and prints one JSON answer on stdout. The runtime it launches is the
// local provider's detached process (LocalRuntime: its own session, so it outlives the SSH
// session; identified by pid + start time in runtime.json).
//
// <envDir>/resource.json   { installationId, environmentId, creationToken, createdAt }
// <envDir>/runtime.json    { pid, startTime, instance } of the running runtime
// <envDir>/workspace/      the runtime's workspace (kept by stop, removed by destroy)
// <envDir>/runtime-state/  the runtime's own state
// <envDir>/runtime.log     the runtime's stdout and stderr
import { mkdir, readdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodeboltError, isCodeboltError } from '@codebolt/protocol';
import { LocalRuntime, writeJsonAtomic, type RuntimePaths } from '@codebolt/provider-local';
import { controlRequestSchema, resourceRecordSchema, SAFE_SEGMENT, type ControlRequest, type ResourceRecord } from './control-protocol.js';

const MINIMUM_NODE_MAJOR = 20;
const signal = new AbortController().signal;

interface EnvironmentPaths extends RuntimePaths {
  envDir: string;
  resourceFile: string;
}

function pathsOf(envDir: string): EnvironmentPaths {
  return {
    envDir,
    resourceFile: join(envDir, 'resource.json'),
    runtimeFile: join(envDir, 'runtime.json'),
    workspace: join(envDir, 'workspace'),
    runtimeStateDir: join(envDir, 'runtime-state'),
    logFile: join(envDir, 'runtime.log'),
  };
}

function runtimeFor(stopTimeoutMs: number): LocalRuntime {
  return new LocalRuntime({
    runtimeBin: join(dirname(fileURLToPath(import.meta.url)), 'runtime.mjs'),
    stopTimeoutMs,
    log: (level, message) => process.stderr.write(`${level}: ${message}\n`),
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function readRecord(file: string): Promise<ResourceRecord | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = resourceRecordSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new CodeboltError('data-corrupt', `${file} is not a resource record; it was left untouched: fix or remove it`);
  return parsed.data;
}

/** True when `dir` exists and holds nothing: what a create that died before writing resource.json leaves. */
async function isEmptyDirectory(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function launch(request: Extract<ControlRequest, { command: 'launch' }>): Promise<unknown> {
  const paths = pathsOf(request.envDir);
  const record = await readRecord(paths.resourceFile);
  if (request.mode === 'create') {
    if (record !== undefined && (record.creationToken !== request.creationToken || record.installationId !== request.installationId)) {
      throw new CodeboltError(
        'conflict',
        `${paths.envDir} already belongs to another creation of environment ${record.environmentId} (created ${record.createdAt}); delete that environment first or remove the directory on the host`,
      );
    }
    if (record === undefined) {
      if ((await exists(paths.envDir)) && !(await isEmptyDirectory(paths.envDir))) {
        throw new CodeboltError('conflict', `${paths.envDir} exists on the host but was not made by the SSH provider; move it away or remove it, then create the environment again`);
      }
      await mkdir(paths.envDir, { recursive: true, mode: 0o700 });
      await writeJsonAtomic(paths.resourceFile, {
        installationId: request.installationId,
        environmentId: request.environmentId,
        creationToken: request.creationToken,
        createdAt: new Date().toISOString(),
      } satisfies ResourceRecord);
    }
    await mkdir(paths.workspace, { recursive: true });
  } else {
    if (record === undefined || record.installationId !== request.installationId || !(await exists(paths.workspace))) {
      throw new CodeboltError('resource-gone', `${paths.workspace} no longer exists on the host; delete the environment (codebolt env delete ${request.environmentId}) and create it again`);
    }
  }
  const runtime = runtimeFor(request.stopTimeoutMs);
  await runtime.launch(paths, { runtime: request.runtime, env: request.env, secretEnv: request.secretEnv, signal });
  const launched = JSON.parse(await readFile(paths.runtimeFile, 'utf8')) as { pid: number; startTime: string };
  return { pid: launched.pid, startTime: String(launched.startTime) };
}

async function status(envDir: string, installationId: string): Promise<{ status: 'running' | 'stopped' | 'gone'; detail: string }> {
  const paths = pathsOf(envDir);
  const record = await readRecord(paths.resourceFile);
  if (record === undefined || !(await exists(paths.workspace))) return { status: 'gone', detail: `${paths.workspace} does not exist on the host` };
  if (record.installationId !== installationId) return { status: 'gone', detail: `${envDir} belongs to another installation` };
  const { running, detail } = await runtimeFor(1).status(paths);
  return { status: running ? 'running' : 'stopped', detail };
}

async function destroy(request: Extract<ControlRequest, { command: 'destroy' }>): Promise<unknown> {
  const paths = pathsOf(request.envDir);
  if (!(await exists(paths.envDir))) return {};
  if (await isEmptyDirectory(paths.envDir)) {
    await rmdir(paths.envDir);
    return {};
  }
  const record = await readRecord(paths.resourceFile);
  if (record === undefined || record.installationId !== request.installationId) {
    throw new CodeboltError('conflict', `${paths.envDir} was not made by this relay installation; it was left untouched: remove it on the host if it is yours`);
  }
  await runtimeFor(request.stopTimeoutMs).stop(paths, signal);
  // resource.json goes last, so a destroy that dies half-way can be repeated.
  await rm(paths.workspace, { recursive: true, force: true });
  await rm(paths.runtimeStateDir, { recursive: true, force: true });
  await rm(paths.envDir, { recursive: true, force: true });
  return {};
}

async function list(installationDir: string, installationId: string): Promise<unknown> {
  let names: string[];
  try {
    names = await readdir(installationDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { resources: [] };
    throw error;
  }
  const resources = [];
  for (const name of names.sort()) {
    if (!SAFE_SEGMENT.test(name)) continue;
    const envDir = join(installationDir, name);
    const record = await readRecord(join(envDir, 'resource.json')).catch(() => undefined);
    if (record === undefined || record.installationId !== installationId) continue;
    const { status: current } = await status(envDir, installationId);
    resources.push({ envDir, environmentId: record.environmentId, status: current });
  }
  return { resources };
}

async function handle(request: ControlRequest): Promise<unknown> {
  switch (request.command) {
    case 'ping':
      return { node: process.versions.node, platform: process.platform };
    case 'launch':
      return launch(request);
    case 'status':
      return status(request.envDir, request.installationId);
    case 'stop':
      await runtimeFor(request.stopTimeoutMs).stop(pathsOf(request.envDir), signal);
      return {};
    case 'destroy':
      return destroy(request);
    case 'list':
      return list(request.installationDir, request.installationId);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<void> {
  try {
    const major = Number(process.versions.node.split('.')[0]);
    if (major < MINIMUM_NODE_MAJOR) {
      throw new CodeboltError('provider-error', `the remote host runs Node ${process.versions.node}; the runtime needs Node ${MINIMUM_NODE_MAJOR} or newer: install it there, or point nodePath at one`);
    }
    let input: unknown;
    try {
      input = JSON.parse(await readStdin());
    } catch {
      throw new CodeboltError('bad-request', 'the control program expects one JSON request on stdin');
    }
    const parsed = controlRequestSchema.safeParse(input);
    if (!parsed.success) throw new CodeboltError('bad-request', `the control program received a malformed request: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const data = await handle(parsed.data);
    process.stdout.write(`${JSON.stringify({ ok: true, data })}\n`);
  } catch (error) {
    const code = isCodeboltError(error) ? error.code : 'provider-error';
    const message = error instanceof Error ? error.message : String(error);
    process.stdout.write(`${JSON.stringify({ ok: false, code, message })}\n`);
  }
}

await main();
