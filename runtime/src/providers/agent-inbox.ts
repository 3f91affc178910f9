// The `agent` channel's carrier: human agents read rooms in the agent inbox, which shows each
// agent's binding's timeline live from the engine's notifications. A delivery to an agent is
// therefore complete once committed: there is nothing to send and no one to retry.
import type { OutboundMessage, Provider, SendResult } from './contract';

export const AGENT_INBOX_PROVIDER = 'agent-inbox';

export function createAgentInboxProvider(): Provider {
  return {
    name: AGENT_INBOX_PROVIDER,
    async send(_message: OutboundMessage): Promise<SendResult> {
      return { status: 'delivered', providerMessageId: null };
    },
  };
}
