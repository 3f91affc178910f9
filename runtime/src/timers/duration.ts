// ISO 8601 durations (`PT30M`, `P1DT2H`, `PT0.5S`) as milliseconds. Years and months have no fixed
// length; Roomwire counts them as 365 and 30 days, which is what "close after P1M" means to users.
import { invalid } from '../errors';

const PATTERN = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const SECOND = 1000;
const DAY = 86_400 * SECOND;

export function durationMs(duration: string, field = 'duration'): number {
  const match = PATTERN.exec(duration);
  if (!match) throw invalid(field, `${JSON.stringify(duration)} is not an ISO 8601 duration such as PT30M`);
  const [, y, mo, w, d, h, mi, s] = match.map((part) => Number(part ?? 0));
  return y! * 365 * DAY + mo! * 30 * DAY + w! * 7 * DAY + d! * DAY + h! * 3600 * SECOND + mi! * 60 * SECOND + s! * SECOND;
}
