import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { NotAllowedError, ServiceUnavailableError } from '@backstage/errors';
import { Caller, requireGroupMember } from './access';

const GROUP = 'group:default/payments-approvers';
const ACTION = 'approve promotions into prod';

const user = (ref: string): Caller => ({
  credentials: mockCredentials.user(ref),
  actor: ref,
  isPerson: true,
});

describe('requireGroupMember', () => {
  it.each([
    ['a direct member', ['group:default/payments-approvers']],
    [
      'a member among other groups',
      ['group:default/team-a', 'group:default/payments-approvers'],
    ],
    [
      'a member whose ref is cased differently',
      ['group:default/Payments-Approvers'],
    ],
  ])('lets %s through', async (_name, groups) => {
    const caller = user('user:default/carol');
    await expect(
      requireGroupMember(
        mockServices.userInfo({
          ownershipEntityRefs: [caller.actor, ...groups],
        }),
        caller,
        GROUP,
        ACTION,
      ),
    ).resolves.toBeUndefined();
  });

  it.each<[string, Caller, string[], string]>([
    [
      'a user in other groups only',
      user('user:default/alice'),
      ['user:default/alice', 'group:default/team-a'],
      `user:default/alice may not ${ACTION}: only members of ${GROUP} may`,
    ],
    [
      'a user in a group of the same name in another namespace',
      user('user:default/alice'),
      ['user:default/alice', 'group:finance/payments-approvers'],
      `user:default/alice may not ${ACTION}: only members of ${GROUP} may`,
    ],
    [
      'a user whose own ref is the only one',
      user('user:default/alice'),
      ['user:default/alice'],
      `user:default/alice may not ${ACTION}: only members of ${GROUP} may`,
    ],
    [
      'a service principal, whatever it claims',
      {
        credentials: mockCredentials.service('ci'),
        actor: 'service:ci',
        isPerson: false,
      },
      [GROUP],
      `service:ci may not ${ACTION}: only members of ${GROUP} may, and a service is not a group member`,
    ],
  ])('refuses %s (403)', async (_name, caller, refs, message) => {
    const promise = requireGroupMember(
      mockServices.userInfo({ ownershipEntityRefs: refs }),
      caller,
      GROUP,
      ACTION,
    );
    await expect(promise).rejects.toThrow(NotAllowedError);
    await expect(promise).rejects.toThrow(message);
  });

  it('refuses (503) when membership cannot be read', async () => {
    const userInfo = mockServices.userInfo.mock({
      getUserInfo: async () => {
        throw new Error('auth backend unreachable');
      },
    });
    const promise = requireGroupMember(
      userInfo,
      user('user:default/carol'),
      GROUP,
      ACTION,
    );
    await expect(promise).rejects.toThrow(ServiceUnavailableError);
    await expect(promise).rejects.toThrow(
      `Cannot tell whether user:default/carol is a member of ${GROUP}: auth backend unreachable`,
    );
  });
});
