/**
 * The promotion `webhook` deployer: calls your deploy system over a signed webhook.
 *
 * @packageDocumentation
 */
export { promotionModuleWebhookDeployer as default } from './module';
export {
  WebhookDeployer,
  WAITING_FOR_CALLBACK,
  toWebhookDeployPayload,
} from './WebhookDeployer';
export type {
  WebhookDeployerOptions,
  WebhookDeployPayload,
} from './WebhookDeployer';
export {
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  WEBHOOK_IDEMPOTENCY_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  signWebhookBody,
  verifyWebhookSignature,
} from './signature';
export type { VerifyWebhookSignatureOptions, WebhookBody } from './signature';
