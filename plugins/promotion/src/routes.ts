import { createRouteRef } from '@backstage/core-plugin-api';

export const rootRouteRef = createRouteRef({ id: 'promotion' });

/** The org-wide Promotions page. */
export const promotionsPageRouteRef = createRouteRef({
  id: 'promotion:promotions-page',
});
