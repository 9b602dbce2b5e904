import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { roleId, sdkFailure, unique } from './support/plan-helpers.js';

// what the admin app's screens need beside Fusio's answers: who is on a plan or has a role (asked before
// a delete), and an operator setting a user's points
describe.each(await systemDatabases())(
  'the admin app reads users by plan and role, and sets points, on $kind',
  (database) => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(database);
    });
    afterAll(async () => {
      await h?.close();
    });

    const newUser = async (role: number, planId?: number) => {
      const name = unique('dep');
      const created = await h.admin
        .backend()
        .user()
        .create({ roleId: role, planId, name, email: `${name}@example.com`, password: 'a-long-password-1' } as never);
      return Number(created.id);
    };
    const usersWhere = async (query: string) => {
      const res = await h.fetch(`/backend/user?${query}`, {
        headers: { authorization: `Bearer ${await h.adminToken()}` },
      });
      return {
        status: res.status,
        body: (await res.json()) as { totalResults?: number; entry?: { id: number }[]; message?: string },
      };
    };

    it('lists the users of one plan or one role, and refuses a malformed filter', async () => {
      const consumer = await roleId(h, 'Consumer');
      const backend = await roleId(h, 'Backend');
      const plan = Number(
        (
          await h.admin
            .backend()
            .plan()
            .create({ name: unique('Filter plan '), price: 0, points: 5 })
        ).id,
      );
      const onPlan = await newUser(consumer, plan);
      await newUser(consumer);
      const withBackend = await newUser(backend);

      const byPlan = await usersWhere(`planId=${plan}&count=1`);
      expect(byPlan.status).toBe(200);
      expect(byPlan.body.totalResults).toBe(1);
      expect(byPlan.body.entry?.map((u) => u.id)).toEqual([onPlan]);

      const byRole = await usersWhere(`roleId=${backend}`);
      expect(byRole.body.entry?.map((u) => u.id)).toContain(withBackend);
      expect(byRole.body.entry?.map((u) => u.id)).not.toContain(onPlan);

      const bad = await usersWhere('planId=gold');
      expect(bad.status).toBe(400);
      expect(bad.body.message).toBe('Query parameter "planId" must be an integer');
    });

    it('sets a user points, and refuses negative points naming the field', async () => {
      const id = String(await newUser(await roleId(h, 'Consumer')));
      await h.admin.backend().user().update(id, { points: 250 });
      expect((await h.admin.backend().user().get(id)).points).toBe(250);

      const refused = await sdkFailure(h.admin.backend().user().update(id, { points: -1 }));
      expect(refused.message).toBe('Points must be a whole number from 0 up');
      expect((await h.admin.backend().user().get(id)).points).toBe(250);
    });
  },
);
