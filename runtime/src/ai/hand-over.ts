// Who gets a room the AI hands over with `escalate`. A room already assigned stays with its agent.
// Otherwise, with agents configured on the node, the room is assigned (`assignRoom`, which joins
// the agent and records `assignedTo`) to the one with the fewest open rooms assigned, ties going
// to the earlier in the list; without agents, or when the assignment is refused (the agent channel
// is not deployed, the room closed meanwhile), the room is flagged `needsHuman: true` for whoever
// picks it up.
import type { OperationParts } from '../operations/define';
import type { Room } from '../model';
import { callOperation as call } from './operation-call';

export interface HandOverTarget {
  /** The `agent` channel the agents act through (the inbox's is `agent-inbox`). */
  channelId: string;
  /** Agent user names, in order of preference on a tie. */
  agents: string[];
}

export type HandOver = { assignedTo: string } | { flagged: true; assignError?: string };

/** Open rooms read to count each agent's load: the most recently updated ones. */
const LOAD_SCAN = 1000;

/** The least-loaded agent of `agents` (open rooms assigned to each; the first on a tie). */
async function leastLoadedAgent(parts: OperationParts, agents: readonly string[], exceptRoomId: string): Promise<string | null> {
  if (agents.length === 0) return null;
  if (agents.length === 1) return agents[0]!;
  const { rooms } = await call<{ rooms: Room[] }>(parts, 'listRooms', { states: ['active', 'paused'], limit: LOAD_SCAN });
  const load = new Map(agents.map((agent) => [agent, 0]));
  for (const room of rooms) {
    const assignee = room.metadata.assignedTo;
    if (room.id !== exceptRoomId && typeof assignee === 'string' && load.has(assignee)) load.set(assignee, load.get(assignee)! + 1);
  }
  return agents.reduce((best, agent) => (load.get(agent)! < load.get(best)! ? agent : best));
}

export async function handOver(parts: OperationParts, roomId: string, target: HandOverTarget | undefined): Promise<HandOver> {
  // A room a person already has stays with them.
  const { room } = await call<{ room: Room }>(parts, 'getRoom', { roomId });
  if (typeof room.metadata.assignedTo === 'string') return { assignedTo: room.metadata.assignedTo };
  let assignError: string | undefined;
  if (target && target.agents.length > 0) {
    try {
      // One pick at a time per agent channel: two rooms handed over at once would otherwise both
      // count the loads before either assignment and go to the same agent. (Engines on one
      // database still pick independently; the count is a balance, not a limit.)
      const agent = await parts.serial.run(`hand-over:${target.channelId}`, async () => {
        const picked = (await leastLoadedAgent(parts, target.agents, roomId))!;
        await call(parts, 'assignRoom', { channelId: target.channelId, agent: picked, roomId, assign: true });
        return picked;
      });
      return { assignedTo: agent };
    } catch (error) {
      assignError = error instanceof Error ? error.message : String(error);
    }
  }
  await call(parts, 'updateRoomMetadata', { roomId, metadata: { needsHuman: true } });
  return assignError ? { flagged: true, assignError } : { flagged: true };
}
