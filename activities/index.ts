/** All activities, bound to the AWS sessions they act through. */
import type { AwsSessions } from './aws';
import { createRestoreTestActivities } from './restore-test';

export function createActivities(aws: AwsSessions) {
  return { ...createRestoreTestActivities(aws) };
}

export type Activities = ReturnType<typeof createActivities>;
