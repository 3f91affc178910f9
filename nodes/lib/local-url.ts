// A URL on this Node-RED's own HTTP In nodes, for webhook channels whose outbound URL is a path
// (`/demo/inbox/{address}`): example flows then work on whatever port Node-RED runs on.
import type { AddressInfo } from 'node:net';
import type { NodeAPI } from 'node-red';

export function localHttpNodeUrl(RED: NodeAPI, pathname: string): string {
  // Asked at send time: the port is only known once the server listens (PORT=0 lets the OS pick).
  const address = RED.server?.address() as AddressInfo | string | null | undefined;
  const port = address && typeof address === 'object' ? address.port : Number(RED.settings.uiPort ?? 1880);
  const protocol = RED.settings.https ? 'https' : 'http';
  const root = String(RED.settings.httpNodeRoot ?? '/').replace(/\/+$/, '');
  return `${protocol}://127.0.0.1:${port}${root}${pathname}`;
}
