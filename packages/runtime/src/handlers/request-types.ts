import type {
  diffRequestSchema,
  execRequestSchema,
  fsListRequestSchema,
  fsReadRequestSchema,
  fsRemoveRequestSchema,
  fsWriteRequestSchema,
  processKillSchema,
} from '@codebolt/protocol';

/** Request data after parsing with its schema (defaults applied). */
export type ExecRequestData = ReturnType<typeof execRequestSchema.parse>;
export type ProcessKillRequestData = ReturnType<typeof processKillSchema.parse>;
export type FsReadRequestData = ReturnType<typeof fsReadRequestSchema.parse>;
export type FsWriteRequestData = ReturnType<typeof fsWriteRequestSchema.parse>;
export type FsListRequestData = ReturnType<typeof fsListRequestSchema.parse>;
export type FsRemoveRequestData = ReturnType<typeof fsRemoveRequestSchema.parse>;
export type DiffRequestData = ReturnType<typeof diffRequestSchema.parse>;
