import { CodeboltError } from '@codebolt/protocol';
import { Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { fingerprintOf, keyTypeOf, type PinnedHostKey } from './host-key.js';

/** How long the TCP connect + SSH handshake + authentication may take, in ms. */
export const DEFAULT_READY_TIMEOUT_MS = 20_000;
/** The most output a remote command may print before it is cut off, in bytes. */
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

/** Where and how to log in. Secrets (the key, its passphrase) are never put in an error message. */
export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** The private key's contents; without it the agent is used. */
  privateKey?: Buffer | undefined;
  passphrase?: string | undefined;
  /** The agent socket (`SSH_AUTH_SOCK`), used when there is no private key. */
  agent?: string | undefined;
  /**
   * The pinned host key. `undefined` means none is configured: the connection is refused after the
   * host presented its key, with an `invalid-config` error naming the fingerprint it presented.
   */
  hostKey: PinnedHostKey | undefined;
  readyTimeoutMs?: number | undefined;
}

/** What a remote command did. */
export interface CommandResult {
  /** The exit code, or `null` when it ended by a signal. */
  code: number | null;
  signal: string | undefined;
  stdout: string;
  stderr: string;
}

/** `user@host:port`, for messages. */
export function describeTarget(target: Pick<SshTarget, 'user' | 'host' | 'port'>): string {
  return `${target.user}@${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
}

/**
 * One authenticated SSH connection. `open` verifies the host key against the pin before any
 * credential is offered (ssh2 checks the host key during the key exchange, before
 * authentication), and maps failures to codes: a different or unpinned host key and a refused
 * credential to `unauthorized`/`invalid-config` with the fingerprint seen; an unreachable host to
 * `provider-error` (transient: `attach` throws it rather than answering `gone`).
 */
export class SshSession {
  private sftpSession: Promise<SFTPWrapper> | undefined;

  private constructor(
    private readonly client: Client,
    readonly target: SshTarget,
  ) {}

  /** Connects and authenticates. Aborting `signal` ends the attempt with `timeout`. */
  static open(target: SshTarget, signal: AbortSignal): Promise<SshSession> {
    const where = describeTarget(target);
    return new Promise((resolve, reject) => {
      const client = new Client();
      let presented: Buffer | undefined;
      let settled = false;
      const finish = (error: CodeboltError | undefined): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (error) {
          client.end();
          reject(error);
        } else {
          client.on('error', () => {});
          resolve(new SshSession(client, target));
        }
      };
      const onAbort = (): void => finish(new CodeboltError('timeout', `the connection to ${where} was abandoned: the request was cancelled`));
      client.on('error', (error: Error & { level?: string }) => finish(connectError(error, target, presented)));
      client.on('close', () => finish(connectError(new Error('the connection closed during login'), target, presented)));
      client.on('ready', () => finish(undefined));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      const config: ConnectConfig = {
        host: target.host,
        port: target.port,
        username: target.user,
        readyTimeout: target.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
        hostVerifier: (key: Buffer) => {
          presented = Buffer.from(key);
          return target.hostKey !== undefined && key.equals(target.hostKey.blob);
        },
        ...(target.privateKey !== undefined ? { privateKey: target.privateKey, ...(target.passphrase !== undefined ? { passphrase: target.passphrase } : {}) } : {}),
        ...(target.privateKey === undefined && target.agent !== undefined ? { agent: target.agent } : {}),
      };
      try {
        client.connect(config);
      } catch (error) {
        // ssh2 throws synchronously for a key it cannot parse (or a wrong passphrase).
        finish(
          new CodeboltError(
            'invalid-config',
            `invalid config for provider "ssh": privateKeyPath: the key cannot be used (${(error as Error).message}); point it at an OpenSSH private key, and set passphrase if it is encrypted`,
          ),
        );
      }
    });
  }

  /**
   * Runs `command` (a command line the caller built from quoted words) through the remote user's
   * login shell, writes `input` to its stdin and closes it, and waits for it to end. Rejects with
   * `provider-error` when the channel cannot be opened or output exceeds 4 MiB, `timeout` when
   * `signal` aborts (the channel is closed, which ends the remote command with SIGHUP).
   */
  exec(command: string, input: string, signal: AbortSignal): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (error, channel) => {
        if (error) return reject(new CodeboltError('provider-error', `cannot run a command on ${describeTarget(this.target)}: ${error.message}`, { cause: error }));
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        let size = 0;
        let code: number | null = null;
        let exitSignal: string | undefined;
        let failure: CodeboltError | undefined;
        const collect = (into: Buffer[]) => (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_OUTPUT_BYTES) {
            failure ??= new CodeboltError('provider-error', `a command on ${describeTarget(this.target)} printed more than ${MAX_OUTPUT_BYTES} bytes`);
            channel.close();
            return;
          }
          into.push(chunk);
        };
        const onAbort = (): void => {
          failure ??= new CodeboltError('timeout', `a command on ${describeTarget(this.target)} was abandoned: the request was cancelled`);
          channel.close();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        channel.on('error', (channelError: Error) => {
          failure ??= new CodeboltError('provider-error', `the SSH channel to ${describeTarget(this.target)} failed: ${channelError.message}`, { cause: channelError });
        });
        channel.on('data', collect(stdout));
        channel.stderr.on('data', collect(stderr));
        channel.on('exit', (exitCode: number | null, signalName?: string) => {
          code = exitCode;
          exitSignal = signalName;
        });
        channel.on('close', () => {
          signal.removeEventListener('abort', onAbort);
          if (failure) return reject(failure);
          resolve({ code, signal: exitSignal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
        });
        channel.end(input);
      });
    });
  }

  /** The session's SFTP channel, opened on first use. */
  sftp(): Promise<SFTPWrapper> {
    this.sftpSession ??= new Promise((resolve, reject) => {
      this.client.sftp((error, sftp) => {
        if (error) reject(new CodeboltError('provider-error', `cannot open SFTP on ${describeTarget(this.target)} (is the sftp subsystem enabled in sshd_config?): ${error.message}`, { cause: error }));
        else resolve(sftp);
      });
    });
    return this.sftpSession;
  }

  close(): void {
    this.client.end();
  }
}

function connectError(error: Error & { level?: string }, target: SshTarget, presented: Buffer | undefined): CodeboltError {
  const where = describeTarget(target);
  if (presented !== undefined && (target.hostKey === undefined || !presented.equals(target.hostKey.blob))) {
    const seen = `${keyTypeOf(presented)} ${fingerprintOf(presented)}`;
    if (target.hostKey === undefined) {
      return new CodeboltError(
        'invalid-config',
        `invalid config for provider "ssh": hostKey is required: ${where} presented the host key ${seen}. If that is the host's key (check with \`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub\` on the host), pin it: --config hostKey='${knownHostsLine(target, presented)}'`,
      );
    }
    return new CodeboltError(
      'unauthorized',
      `refusing ${where}: it presented the host key ${seen}, but hostKey pins ${target.hostKey.type} ${target.hostKey.fingerprint}. The host may be an impostor; if its key was changed on purpose, verify the new one on the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and set hostKey to its known_hosts line`,
    );
  }
  if (error.level === 'client-authentication') {
    const method = target.privateKey !== undefined ? 'the private key at privateKeyPath' : `the keys of the SSH agent (SSH_AUTH_SOCK)`;
    return new CodeboltError(
      'unauthorized',
      `${where} refused ${method}: add its public key to ~${target.user}/.ssh/authorized_keys on the host, or fix user / privateKeyPath`,
      { cause: error },
    );
  }
  if (error.level === 'agent') {
    return new CodeboltError('invalid-config', `invalid config for provider "ssh": the SSH agent at SSH_AUTH_SOCK cannot be used (${error.message}); start ssh-agent and add a key, or set privateKeyPath`, { cause: error });
  }
  if (error.level === 'client-timeout') {
    return new CodeboltError('timeout', `${where} did not complete the SSH login within ${target.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS} ms; check that sshd runs there and the port is right`, { cause: error });
  }
  return new CodeboltError('provider-error', `cannot connect to ${where}: ${error.message}; check host and port, and that sshd runs there and is reachable from the relay`, { cause: error });
}

/** The known_hosts line for `key` as seen at `target` (public data: safe to show). */
function knownHostsLine(target: Pick<SshTarget, 'host' | 'port'>, key: Buffer): string {
  const host = target.port === 22 ? target.host : `[${target.host}]:${target.port}`;
  return `${host} ${keyTypeOf(key)} ${key.toString('base64')}`;
}
