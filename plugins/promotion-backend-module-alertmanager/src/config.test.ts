import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { readAlertmanagerPagerSettings } from './config';

function read(alertmanager?: JsonObject) {
  return readAlertmanagerPagerSettings(
    new ConfigReader({ promotion: { pagers: { alertmanager } } }),
  );
}

describe('readAlertmanagerPagerSettings', () => {
  it('applies defaults', () => {
    expect(read({ url: 'http://alertmanager:9093' })).toEqual({
      url: 'http://alertmanager:9093',
      timeoutMs: 10_000,
      autoResolveAfterMs: 24 * 60 * 60 * 1000,
      labels: {},
    });
  });

  it('reads durations in every Backstage form and static labels', () => {
    expect(
      read({
        url: 'https://am.example.com/alertmanager',
        timeout: '3s',
        autoResolveAfter: { hours: 6 },
        labels: { team: 'platform', cluster: 'eu-1' },
      }),
    ).toEqual({
      url: 'https://am.example.com/alertmanager',
      timeoutMs: 3_000,
      autoResolveAfterMs: 6 * 60 * 60 * 1000,
      labels: { team: 'platform', cluster: 'eu-1' },
    });
    expect(read({ url: 'http://am', timeout: 'PT0.5S' }).timeoutMs).toBe(500);
  });

  it.each([
    [undefined, /promotion\.pagers\.alertmanager\.url is required/],
    [{}, /promotion\.pagers\.alertmanager\.url is required/],
    [{ url: ' ' }, /promotion\.pagers\.alertmanager\.url is required/],
    [{ url: 'http://alert manager' }, /alertmanager\.url is not a valid URL/],
    [{ url: 'ftp://am' }, /alertmanager\.url must be an http or https URL/],
    [
      { url: 'http://am', timeout: 'soon' },
      /alertmanager\.timeout is not a valid duration/,
    ],
    [
      { url: 'http://am', timeout: '0s' },
      /alertmanager\.timeout must be longer than zero/,
    ],
    [
      { url: 'http://am', autoResolveAfter: 'never' },
      /alertmanager\.autoResolveAfter is not a valid duration/,
    ],
    [
      { url: 'http://am', labels: { 'team-name': 'x' } },
      /alertmanager\.labels\.team-name is not a valid Alertmanager label name/,
    ],
    [
      { url: 'http://am', labels: { dedup_key: 'x' } },
      /alertmanager\.labels\.dedup_key is set by the pager itself/,
    ],
    [
      { url: 'http://am', labels: { alertname: 'x' } },
      /alertmanager\.labels\.alertname is set by the pager itself/,
    ],
    [
      { url: 'http://am', labels: { team: '' } },
      /'promotion\.pagers\.alertmanager\.labels\.team'.*empty-string/,
    ],
  ])('rejects %j', (config, message) => {
    expect(() => read(config)).toThrow(message);
  });
});
