import { OperationContext, PromotionRouter } from './context';

/**
 * `GET /health` (Health): ready only once the whole backend started (every
 * plugin and module booted) and until it begins to stop; a plugin that
 * answers alone is not a working portal.
 */
export function health(
  router: PromotionRouter,
  { health: rootHealth }: Pick<OperationContext, 'health'>,
) {
  router.get('/health', async (_req, res) => {
    const readiness = await rootHealth?.getReadiness();
    // The root health service's payload is the readiness body the spec describes.
    const payload = readiness?.payload as { status?: string } | undefined;
    res.status(readiness?.status ?? 200).json(payload ?? { status: 'ok' });
  });
}
