/** Every workflow the worker registers. Workflow code only: deterministic, no I/O. */
export { restoreTest, restoreTestProgress } from './restore-test';
export { restoreVerification, restoreVerificationProgress } from './restore-verification';
export { failover, approveUpdate, controlUpdate, failoverProgress } from './failover';
export { failback } from './failback';
