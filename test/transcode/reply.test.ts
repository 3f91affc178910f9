import { describe, expect, it } from 'vitest';
import { profiles } from '../../runtime/src/capabilities';
import { matchReply, transcode, type ReplyOption } from '../../runtime/src/transcode';

const options: ReplyOption[] = [
  { number: 1, title: 'Yes', postback: 'answer:yes' },
  { number: 2, title: 'No', postback: 'answer:no' },
  { number: 3, title: "Don't know", postback: 'answer:unsure' },
];

describe('matchReply', () => {
  it.each(['2', ' 2 ', '2.', '2)', '02', '\t2\n'])('maps the numeric reply %j to option 2', (reply) => {
    expect(matchReply(reply, options)).toBe(options[1]);
  });

  it('maps no number outside the options', () => {
    expect(matchReply('4', options)).toBeNull();
    expect(matchReply('0', options)).toBeNull();
  });

  it.each(['yes', ' YES ', 'Yes'])('maps the exact title %j, ignoring case and surrounding space', (reply) => {
    expect(matchReply(reply, options)).toBe(options[0]);
  });

  it('matches a title typed with a phone’s curly apostrophe and extra spaces', () => {
    expect(matchReply('don’t   KNOW', options)).toBe(options[2]);
  });

  it.each(['yes please', '2 please', 'ye', '', 'two'])('maps %j to nothing', (reply) => {
    expect(matchReply(reply, options)).toBeNull();
  });

  it('maps a title two options share to nothing', () => {
    const shared: ReplyOption[] = [
      { number: 1, title: 'Buy', postback: 'buy:alpha' },
      { number: 2, title: 'Buy', postback: 'buy:beta' },
    ];
    expect(matchReply('buy', shared)).toBeNull();
    expect(matchReply('2', shared)).toBe(shared[1]);
  });

  it('maps a numeric reply on SMS back to the postback of the button it stood for', () => {
    const result = transcode(
      { type: 'rich', text: 'Confirm?', buttons: [{ title: 'Yes', postback: 'confirm' }, { title: 'No', id: 'cancel' }] },
      profiles.sms,
      { now: 0 },
    );
    if (!result.ok) throw new Error(result.reason);
    expect(matchReply('2', result.options ?? [])?.postback).toBe('cancel');
    expect(matchReply('yes', result.options ?? [])?.postback).toBe('confirm');
  });
});
