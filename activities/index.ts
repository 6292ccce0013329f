/** All activities, bound to the AWS sessions they act through. */
import type { AwsSessions } from './aws';
import { withCloudCalls } from './cloud-calls';
import { createEvidenceActivities, defaultEvidenceDir } from './evidence';
import { createNotifyActivities } from './notify';
import { createFailoverActivities } from './failover';
import { createRestoreTestActivities } from './restore-test';

export interface ActivityOptions {
  /** Folder of the local evidence copies. @default $DRCTL_EVIDENCE_DIR or <repo>/.drctl/evidence */
  evidenceDir?: string;
}

export function createActivities(aws: AwsSessions, opts: ActivityOptions = {}) {
  return withCloudCalls({
    ...createRestoreTestActivities(aws), ...createFailoverActivities(aws),
    ...createEvidenceActivities(aws, { localDir: opts.evidenceDir ?? defaultEvidenceDir() }),
    ...createNotifyActivities(aws),
  });
}

export type Activities = ReturnType<typeof createActivities>;
