import { liftFreeze as liftFreezeCommand } from '../../commands/freezes';
import { audited, callerOf } from '../access';
import { OperationContext, PromotionRouter } from './context';

/** `DELETE /v1/freezes/{freezeId}` (LiftFreeze): lift a stop-the-line freeze. */
export function liftFreeze(
  router: PromotionRouter,
  {
    httpAuth,
    permissions,
    auditor,
    store,
    engine,
    recordRefusal,
    clock,
  }: Pick<
    OperationContext,
    | 'httpAuth'
    | 'permissions'
    | 'auditor'
    | 'store'
    | 'engine'
    | 'recordRefusal'
    | 'clock'
  >,
) {
  router.delete('/v1/freezes/:freezeId', async (req, res) => {
    const caller = await callerOf(httpAuth, req);
    await audited(
      auditor,
      req,
      'freeze-lift',
      { freezeId: req.params.freezeId },
      async () => {
        await liftFreezeCommand(
          {
            store,
            permissions,
            recordRefusal,
            wake: () => engine.kick(),
            clock,
          },
          { caller, freezeId: req.params.freezeId },
        );
        res.status(204).end();
      },
    );
  });
}
