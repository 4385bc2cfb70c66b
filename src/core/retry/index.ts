export { NON_RETRYABLE_KINDS, RETRYABLE_KINDS, RetryPolicy } from './retry-policy.js';
export type { ClientErrorKind, ErrorKind, RetryConfig } from './retry-policy.js';
