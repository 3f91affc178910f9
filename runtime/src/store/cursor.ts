// Opaque page cursors: the position of the last row of a page (a tuple such as updated time and
// id), which clients hand back unchanged. Encoded so clients do not build or edit them.
import { invalid } from '../errors';

export function encodeCursor(position: (string | number)[]): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** The tuple a cursor stands for, checked against the types it must have; refused naming `field`. */
export function decodeCursor(cursor: string, types: ('string' | 'number')[], field = 'cursor'): (string | number)[] {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== types.length || !decoded.every((value, i) => typeof value === types[i])) {
    throw invalid(field, 'is not a cursor from a previous page');
  }
  return decoded as (string | number)[];
}
