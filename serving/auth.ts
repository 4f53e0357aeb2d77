/**
 * Demo sign-in: a token that says "this browser is user N until T", signed with HMAC-SHA256.
 * There are no passwords (it is a demo of a recommender, not of accounts); what it enforces is
 * that a person rates only as the user they signed in as.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface Sessions {
  issue(userId: number, now?: number): { token: string; expiresAt: number };
  /** the user id of a valid token, else undefined */
  verify(token: string | undefined, now?: number): number | undefined;
}

export function createSessions({ secret, hours }: { secret: string; hours: number }): Sessions {
  const sign = (payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');
  return {
    issue(userId, now = Date.now()) {
      const expiresAt = now + hours * 3_600_000;
      const payload = `${userId}.${expiresAt}`;
      return { token: `${payload}.${sign(payload)}`, expiresAt };
    },
    verify(token, now = Date.now()) {
      const parts = token?.split('.');
      if (parts?.length !== 3) return undefined;
      const [user, expires, signature] = parts as [string, string, string];
      const expected = Buffer.from(sign(`${user}.${expires}`));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
      if (!(Number(expires) > now)) return undefined;
      const userId = Number(user);
      return Number.isSafeInteger(userId) && userId > 0 ? userId : undefined;
    },
  };
}
