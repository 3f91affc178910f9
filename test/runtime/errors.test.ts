// A RoomwireError is recognised whichever copy of the runtime made it: the build and the sources
// here stand for a provider package that brings its own copy of @roomwire/runtime.
import { describe, expect, it } from 'vitest';
import { RoomwireError as BuiltRoomwireError } from '@roomwire/runtime';
import { RoomwireError, WriteConflict } from '../../runtime/src/errors';

describe('RoomwireError across copies of the runtime', () => {
  it('an error of another copy is a RoomwireError, with its status', () => {
    const foreign = new BuiltRoomwireError('not_found', 'no such room', 'roomId');
    expect(Object.getPrototypeOf(foreign)).not.toBe(RoomwireError.prototype);
    expect(foreign instanceof RoomwireError).toBe(true);
    expect(new RoomwireError('conflict', 'x') instanceof BuiltRoomwireError).toBe(true);
    expect(foreign.httpStatus).toBe(404);
  });

  it('anything else is not, and a subclass still checks its own prototype', () => {
    for (const other of [new Error('plain'), { code: 'not_found', httpStatus: 404 }, null, 'RoomwireError']) expect(other instanceof RoomwireError).toBe(false);
    expect(new RoomwireError('conflict', 'not a write conflict') instanceof WriteConflict).toBe(false);
    expect(new WriteConflict('held') instanceof WriteConflict).toBe(true);
    expect(new WriteConflict('held') instanceof RoomwireError).toBe(true);
  });
});
