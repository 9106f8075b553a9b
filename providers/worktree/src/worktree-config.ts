import { isAbsolute } from 'node:path';
import { z } from 'zod';

/** Git ref names we accept from config: no leading "-", no whitespace, control characters, "..", "~^:?*[\\" or "@{". git check-ref-format has the last word. */
const REF_TEXT = /^(?!-)(?!.*\.\.)(?!.*@\{)[^\s~^:?*[\\\x00-\x1f\x7f]{1,200}$/;

/**
 * The worktree provider's config: which repository and ref a new environment's worktree starts
 * from, and the branch it works on.
 */
export const worktreeConfigSchema = z
  .object({
    /** Absolute path of the git repository (its working tree or a bare repository). Required. */
    repo: z.string().refine((value) => isAbsolute(value), 'must be an absolute path to a git repository'),
    /** Commit, branch or tag the worktree starts from. Default `HEAD`. */
    ref: z.string().regex(REF_TEXT, 'a commit, branch or tag name').default('HEAD'),
    /** The environment's branch. Default `codebolt/<environment id>`. */
    branch: z.string().regex(REF_TEXT, 'a branch name').optional(),
    /** Keep the branch when the environment is deleted. Default false (the branch is deleted with the worktree). */
    keepBranch: z.boolean().default(false),
    /** Extra environment variables for the runtime and the processes it runs. */
    env: z.record(z.string(), z.string()).optional(),
    /** Like `env`, for secrets. */
    secretEnv: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export type WorktreeConfig = z.input<typeof worktreeConfigSchema>;
export type ResolvedWorktreeConfig = z.output<typeof worktreeConfigSchema>;
