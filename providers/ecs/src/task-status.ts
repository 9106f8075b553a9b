import type { Failure, Task } from '@aws-sdk/client-ecs';
import type { AttachResult } from '@codebolt/provider';
import { STOP_REASONS } from './ecs-ownership.js';

/**
 * What a described task means to the relay:
 * - stopping or stopped with our stop reason → `stopped` (the record stays; start runs a new task);
 * - stopping or stopped for any other reason (our delete, a crash, a Spot reclaim, someone's
 *   `aws ecs stop-task`) → `gone`, with ECS's stop code, reason and the container's exit in `detail`;
 * - desired RUNNING (PROVISIONING, PENDING, ACTIVATING, RUNNING) → `running`.
 */
export function taskStatus(task: Task): AttachResult {
  const id = taskId(task.taskArn ?? '');
  if (task.desiredStatus !== 'STOPPED' && task.lastStatus !== 'STOPPED') {
    return { status: 'running', detail: `task ${id} ${task.lastStatus ?? 'PENDING'}` };
  }
  if (task.stoppedReason === STOP_REASONS.stop) return { status: 'stopped', detail: `task ${id} stopped by the relay; start runs a new task` };
  return { status: 'gone', detail: `task ${id} ${task.lastStatus === 'STOPPED' ? 'stopped' : 'is stopping'}: ${stopDescription(task)}` };
}

/** `gone` for a DescribeTasks failure entry (`MISSING`: ECS no longer knows the task). */
export function missingStatus(failure: Failure): AttachResult {
  return {
    status: 'gone',
    detail: `task ${taskId(failure.arn ?? '')} is unknown to ECS (${failure.reason ?? 'MISSING'}${failure.detail ? `: ${failure.detail}` : ''}); ECS forgets stopped tasks about an hour after they stop`,
  };
}

/** ECS's own words for why a task stopped: stop code, reason, and each container's exit. */
export function stopDescription(task: Task): string {
  const parts = [task.stopCode, task.stoppedReason].filter((part): part is string => typeof part === 'string' && part !== '');
  for (const container of task.containers ?? []) {
    if (container.exitCode !== undefined || container.reason) {
      parts.push(`container ${container.name ?? '?'}${container.exitCode !== undefined ? ` exited ${container.exitCode}` : ''}${container.reason ? ` (${container.reason})` : ''}`);
    }
  }
  return parts.length > 0 ? parts.join('; ') : 'no reason given';
}

/** The task id: the last segment of its ARN. */
export function taskId(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf('/') + 1);
}
