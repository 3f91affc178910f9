export { transcode } from './transcode';
export { matchReply } from './reply';
export { countSegments, smartEncode, smsEncoding, splitSms, type SegmentCount, type SegmentSizes } from './sms';
export { splitText } from './splitText';
export { graphemes } from './graphemes';
export { mapsLink } from './textForms';
export type * from './types';
