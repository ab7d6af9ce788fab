import plugin from './alpha';

describe('promotion plugin (new frontend system)', () => {
  it('provides the API and the pipeline entity tab', () => {
    expect(plugin.pluginId).toBe('promotion');
    expect(plugin.getExtension('api:promotion')).toBeDefined();
    expect(plugin.getExtension('entity-content:promotion')).toBeDefined();
  });

  it('provides the Promotions page, in the navigation, and the overview card', () => {
    expect(plugin.getExtension('page:promotion')).toBeDefined();
    expect(plugin.getExtension('entity-card:promotion/overview')).toBeDefined();
    expect(plugin.routes.promotionsPage).toBeDefined();
  });
});
