// A client that closes the connection in the middle of its body is a normal event (a provider
// timing out, a user cancelling). Node-RED's `http in` routes that skip body parsing read the body
// in a middleware at the top of the server's app, and when the client leaves, its error falls
// through to Express's final handler, which prints a stack for every such request. This handler,
// last in the server's app, logs those at debug level; every other error goes on as before.
import type { Express } from 'express';
import { rootOf } from './http-routes';

const quieted = new WeakSet<object>();

type ErrorHandler = (error: unknown, req: unknown, res: unknown, next: (error?: unknown) => void) => void;

export function quietClientAborts(app: Express, debug: (message: string) => void): void {
  const root = rootOf(app);
  if (quieted.has(root)) return;
  quieted.add(root);
  const handler: ErrorHandler = (error, _req, _res, next) => {
    // raw-body's error for a request whose client left before the body ended: nobody to answer.
    if ((error as { type?: unknown } | null)?.type === 'request.aborted') {
      debug('a client closed the connection before sending its whole body');
      return;
    }
    next(error);
  };
  root.use(handler);
}
