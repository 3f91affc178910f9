// Agent accounts of an engine node: user names with bcrypt hashes, kept in the node's credentials
// as numbered pairs (`agentUser1` + `agentPassword1` ... up to AGENT_SLOTS), so that Node-RED's own
// handling of password credentials keeps each hash when the dialog leaves it unchanged. The editor
// hashes a new password before it leaves the browser. Hashes never leave this module: they are
// compared here and appear in no log, flow or API answer.
import bcrypt from 'bcryptjs';

export interface AgentAccount {
  user: string;
  hash: string;
}

const USER = /^[A-Za-z0-9._@+-]{1,64}$/;
const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
// Compared against when the user is unknown, so that an unknown name takes as long as a wrong password.
const DUMMY_HASH = bcrypt.hashSync('roomwire-no-such-agent', 10);

// A support team larger than this shares an inbox across engine nodes; the editor declares the same
// count (resources/roomwire-agent-accounts.js), since credential keys are fixed when a type registers.
export const AGENT_SLOTS = 50;

export type AgentCredentials = Partial<Record<`agentUser${number}` | `agentPassword${number}`, string>>;

/** The credential definitions of the slots, for `registerType`. */
export function agentCredentialTypes(): Record<string, { type: 'text' | 'password' }> {
  const types: Record<string, { type: 'text' | 'password' }> = {};
  for (let i = 1; i <= AGENT_SLOTS; i++) {
    types[`agentUser${i}`] = { type: 'text' };
    types[`agentPassword${i}`] = { type: 'password' };
  }
  return types;
}

/** The slots as credentials (start.js seeds the demo agent the same way). */
export function agentCredentials(accounts: AgentAccount[]): AgentCredentials {
  const out: AgentCredentials = {};
  accounts.forEach((a, i) => {
    out[`agentUser${i + 1}`] = a.user;
    out[`agentPassword${i + 1}`] = a.hash;
  });
  return out;
}

/** Reads the slots; a slot that is not a user name with a bcrypt hash is reported (without its value) and left out. */
export function parseAgentAccounts(credentials: AgentCredentials | undefined, report: (problem: string) => void): AgentAccount[] {
  const accounts: AgentAccount[] = [];
  for (let i = 1; i <= AGENT_SLOTS; i++) {
    const user = credentials?.[`agentUser${i}`]?.trim() ?? '';
    const hash = credentials?.[`agentPassword${i}`] ?? '';
    if (!user) continue;
    if (!USER.test(user)) report(`agentUser${i}: 1 to 64 letters, digits or . _ @ + -`);
    else if (!BCRYPT.test(hash)) report(`agentPassword${i}: ${user} has no password (set one in the engine node)`);
    else if (accounts.some((a) => a.user === user)) report(`agentUser${i}: ${user} is listed twice`);
    else accounts.push({ user, hash });
  }
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
