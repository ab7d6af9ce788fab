import { liftFreeze as liftFreezeCommand } from '../../commands/freezes';
import { audited, callerOf } from '../access';
import { PromotionRouter } from './context';
import { RecordCommandContext, recordCommandDeps } from './wakingCommand';

/** `DELETE /v1/freezes/{freezeId}` (LiftFreeze): lift a stop-the-line freeze. */
export function liftFreeze(
  router: PromotionRouter,
  context: RecordCommandContext,
) {
  const { httpAuth, auditor } = context;
  router.delete('/v1/freezes/:freezeId', async (req, res) => {
    const caller = await callerOf(httpAuth, req);
    await audited(
      auditor,
      req,
      'freeze-lift',
      { freezeId: req.params.freezeId },
      async () => {
        await liftFreezeCommand(recordCommandDeps(context), {
          caller,
          freezeId: req.params.freezeId,
        });
        res.status(204).end();
      },
    );
  });
}
