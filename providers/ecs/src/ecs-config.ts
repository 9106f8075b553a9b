import { z } from 'zod';

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

/**
 * The ECS provider's config (package defaults < `codebolt provider configure ecs` < the
 * environment's `--config`). `cluster`, `taskDefinition` and `containerName` are required;
 * credentials never appear here: they come from the AWS SDK's standard chain (env vars, shared
 * config/credentials files and `profile`, SSO, web identity, the ECS/EC2 metadata endpoints).
 */
export const ecsConfigSchema = z
  .object({
    /** Cluster name or ARN the tasks run in. */
    cluster: z.string().min(1).max(2048),
    /** Task definition `family`, `family:revision` or full ARN; its image must run the Codebolt runtime. */
    taskDefinition: z.string().min(1).max(2048),
    /** The container of the task definition that runs the runtime; it receives the connect-back URL and token as environment overrides. */
    containerName: z.string().min(1).max(255),
    /** `FARGATE` (default) or `EC2`. */
    launchType: z.enum(['FARGATE', 'EC2']).default('FARGATE'),
    /** Subnet ids of the task's awsvpc network configuration (required by Fargate; up to 16). */
    subnets: z.array(z.string().min(1).max(255)).max(16).default([]),
    /** Security group ids of the task (up to 5). Default: the VPC's default group. */
    securityGroups: z.array(z.string().min(1).max(255)).max(5).default([]),
    /** Give the task's ENI a public IP (Fargate in a public subnet without NAT needs it to reach the relay). Default false. */
    assignPublicIp: z.boolean().default(false),
    /** Fargate platform version. Default: ECS's `LATEST`. */
    platformVersion: z.string().min(1).max(64).optional(),
    /** AWS region. Default: the SDK's chain (`AWS_REGION`, the profile's region). */
    region: z.string().regex(/^[a-z0-9-]{1,64}$/, 'a region like eu-west-1').optional(),
    /** ECS API endpoint URL, for VPC endpoints, FIPS endpoints or a stand-in server. Default: the region's public endpoint. */
    endpoint: z.url({ protocol: /^https?$/ }).max(2048).optional(),
    /** Named profile of the shared AWS config/credentials files. Default: `AWS_PROFILE`, then `default`. */
    profile: z.string().min(1).max(128).optional(),
    /** Time limit of one ECS API request, in milliseconds; a request that times out is retried by the SDK. Default 30000. */
    requestTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    /** Attempts per ECS API call (the SDK's standard retry strategy: throttling, 5xx, timeouts). Default 3. */
    maxAttempts: z.number().int().min(1).max(10).default(3),
    /** How long stop and destroy wait for the task to reach STOPPED, in milliseconds; keep it under the relay's provider request timeout (120 s by default). Default 60000. */
    stopWaitMs: z.number().int().min(0).max(900_000).default(60_000),
    /** Extra environment variables of the runtime container. */
    env: z.record(z.string().regex(VARIABLE_NAME, 'an environment variable name'), z.string()).optional(),
    /** Like `env`, for secrets. */
    secretEnv: z.record(z.string().regex(VARIABLE_NAME, 'an environment variable name'), z.string()).optional(),
  })
  .strict();

export type EcsConfig = z.input<typeof ecsConfigSchema>;
export type ResolvedEcsConfig = z.output<typeof ecsConfigSchema>;
