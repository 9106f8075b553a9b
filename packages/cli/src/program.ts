import { createRequire } from 'node:module';
import { Command } from 'commander';
import type { CliRun } from './cli-run.js';
import { registerCompletion } from './commands/completion/completion.js';
import { registerConfigSet } from './commands/config/set.js';
import { registerEnvCreate } from './commands/env/create.js';
import { registerEnvDelete } from './commands/env/delete.js';
import { registerEnvExec } from './commands/env/exec.js';
import { registerEnvGet } from './commands/env/get.js';
import { registerEnvList } from './commands/env/list.js';
import { registerEnvLogs } from './commands/env/logs.js';
import { registerEnvRestart } from './commands/env/restart.js';
import { registerEnvStart } from './commands/env/start.js';
import { registerEnvStop } from './commands/env/stop.js';
import { registerProviderConfigure } from './commands/provider/configure.js';
import { registerProviderList } from './commands/provider/list.js';
import { registerServe } from './commands/serve.js';
import { registerTokenCreate } from './commands/token/create.js';
import { registerAdminVerifyAudit } from './commands/admin/verify-audit.js';
import { registerAdminRotateMasterKey } from './commands/admin/rotate-master-key.js';
import { registerAdminReconcile } from './commands/admin/reconcile.js';
import { registerAdminBackup } from './commands/admin/backup.js';
import { registerAdminRestore } from './commands/admin/restore.js';
import { registerAdminCheck } from './commands/admin/check.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/**
 * The `codebolt` command tree. Commands throw; nothing here exits the process (exitOverride), so
 * runCli's one handler maps every failure to an exit code.
 */
export function createProgram(run: CliRun): Command {
  const program = new Command('codebolt')
    .description('Codebolt relay: run a relay and manage its environments')
    .version(version)
    .option('--server <url>', 'relay URL (else CODEBOLT_SERVER, the config file, the local relay)')
    .option('--token <token>', 'bearer token (else CODEBOLT_TOKEN, the config file, <data dir>/admin.token)')
    .option('--data-dir <dir>', 'data dir of a relay on this machine (else CODEBOLT_HOME, ./.codebolt)')
    .option('--json', 'print exactly one JSON document on stdout')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => run.io.stdout.write(text),
      writeErr: (text) => run.io.stderr.write(text),
      outputError: () => undefined,
    });

  registerServe(program, run);

  const env = program.command('env').description('create, inspect and use environments');
  registerEnvCreate(env, run);
  registerEnvList(env, run);
  registerEnvGet(env, run);
  registerEnvStart(env, run);
  registerEnvStop(env, run);
  registerEnvRestart(env, run);
  registerEnvDelete(env, run);
  registerEnvExec(env, run);
  registerEnvLogs(env, run);

  const provider = program.command('provider').description('list and configure providers');
  registerProviderList(provider, run);
  registerProviderConfigure(provider, run);

  const token = program.command('token').description('mint access tokens');
  registerTokenCreate(token, run);

  const admin = program.command('admin').description('administer the relay and its data dir');
  registerAdminVerifyAudit(admin, run);
  registerAdminRotateMasterKey(admin, run);
  registerAdminReconcile(admin, run);
  registerAdminBackup(admin, run);
  registerAdminRestore(admin, run);
  registerAdminCheck(admin, run);

  const config = program.command('config').description("save the CLI's relay URL and token");
  registerConfigSet(config, run);

  registerCompletion(program, run);

  return program;
}
