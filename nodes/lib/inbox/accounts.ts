// Agent accounts of an engine node: user names with bcrypt hashes, kept in the node's credentials
// (`agentAccounts`, a JSON list `[{"user": ..., "hash": ...}]`). Hashes never leave this module:
// they are compared here and appear in no log, flow or API answer.
import bcrypt from 'bcryptjs';

export interface AgentAccount {
  user: string;
  hash: string;
}

const USER = /^[A-Za-z0-9._@+-]{1,64}$/;
const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
// Compared against when the user is unknown, so that an unknown name takes as long as a wrong password.
const DUMMY_HASH = bcrypt.hashSync('roomwire-no-such-agent', 10);

/** Reads the credential; entries that are not a user name with a bcrypt hash are reported and left out. */
export function parseAgentAccounts(raw: string | undefined, report: (problem: string) => void): AgentAccount[] {
  if (!raw || !raw.trim()) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    report('agentAccounts: not JSON');
    return [];
  }
  if (!Array.isArray(parsed)) {
    report('agentAccounts: not a list');
    return [];
  }
  const accounts: AgentAccount[] = [];
  parsed.forEach((entry: unknown, i) => {
    const { user, hash } = (entry ?? {}) as { user?: unknown; hash?: unknown };
    if (typeof user !== 'string' || !USER.test(user)) return report(`agentAccounts[${i}].user: 1 to 64 letters, digits or . _ @ + -`);
    if (typeof hash !== 'string' || !BCRYPT.test(hash)) return report(`agentAccounts[${i}].hash: not a bcrypt hash (for ${user})`);
    if (accounts.some((a) => a.user === user)) return report(`agentAccounts[${i}].user: ${user} is listed twice`);
    accounts.push({ user, hash });
  });
  return accounts;
}

export class AgentAccounts {
  private readonly byUser: Map<string, string>;

  constructor(accounts: AgentAccount[]) {
    this.byUser = new Map(accounts.map((a) => [a.user, a.hash]));
  }

  get size(): number {
    return this.byUser.size;
  }

  has(user: string): boolean {
    return this.byUser.has(user);
  }

  async verify(user: string, password: string): Promise<boolean> {
    const hash = this.byUser.get(user);
    const matches = await bcrypt.compare(password, hash ?? DUMMY_HASH);
    return matches && hash !== undefined;
  }
}

export function hashAgentPassword(password: string): string {
  return bcrypt.hashSync(password, 10);
}
