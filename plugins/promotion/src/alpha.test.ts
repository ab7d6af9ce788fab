import plugin from './alpha';

describe('promotion plugin (new frontend system)', () => {
  it('provides the API and the pipeline entity tab', () => {
    expect(plugin.pluginId).toBe('promotion');
    expect(plugin.getExtension('api:promotion')).toBeDefined();
    expect(plugin.getExtension('entity-content:promotion')).toBeDefined();
  });
});
