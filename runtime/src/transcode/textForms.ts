// Text forms of content a channel cannot show natively. Plain ASCII layout (no bullets or dashes
// beyond `-`) so that the text stays GSM-7 on SMS. Reply choices become `N. Title` lines and are
// recorded as options so that a reply with the number maps back; links and numbers become
// `Title: target` lines (as Sinch renders URL and call choices).

import {
  buttonAction,
  choicePostback,
  type Button,
  type Card,
  type ContactContent,
  type ListContent,
  type LocationContent,
  type MediaContent,
} from '../content';
import type { ReplyOption } from './types';

/** Lines form blocks; blocks are separated by a blank line. */
export function joinBlocks(blocks: string[]): string {
  return blocks.join('\n\n');
}

/** `options` numbers choices across the whole message: pass the same array for every block. */
function choiceLine(button: Button, options: ReplyOption[]): string {
  switch (buttonAction(button)) {
    case 'url':
      return `${button.title}: ${button.url}`;
    case 'phone':
      return `${button.title}: ${button.phone}`;
    case 'reply': {
      const number = options.length + 1;
      options.push({ number, title: button.title, postback: choicePostback(button) });
      return `${number}. ${button.title}`;
    }
  }
}

export function choicesBlock(buttons: Button[], options: ReplyOption[]): string {
  return buttons.map((button) => choiceLine(button, options)).join('\n');
}

export function cardBlock(card: Card, options: ReplyOption[]): string {
  const lines = [card.title, card.subtitle, card.imageUrl].filter((line) => line !== undefined);
  return [...lines, ...(card.buttons ?? []).map((button) => choiceLine(button, options))].join('\n');
}

export function listBlocks(list: ListContent, options: ReplyOption[]): string[] {
  return list.sections.map((section) => {
    const rows = section.rows.map((row) => {
      const line = choiceLine({ title: row.title, postback: row.id }, options);
      return row.description === undefined ? line : `${line} - ${row.description}`;
    });
    return [...(section.title === undefined ? [] : [section.title]), ...rows].join('\n');
  });
}

export function mapsLink(location: LocationContent): string {
  return `https://maps.google.com/?q=${location.latitude},${location.longitude}`;
}

export function locationText(location: LocationContent): string {
  const name = [location.label, location.address].filter((part) => part !== undefined).join(', ');
  return name === '' ? mapsLink(location) : `${name}: ${mapsLink(location)}`;
}

function labelled(value: string, label: string | undefined): string {
  return label === undefined ? value : `${label}: ${value}`;
}

export function contactText(contact: ContactContent): string {
  const role = [contact.jobTitle, contact.organization].filter((part) => part !== undefined).join(', ');
  return [
    contact.name,
    ...(role === '' ? [] : [role]),
    ...(contact.phones ?? []).map((phone) => labelled(phone.number, phone.label)),
    ...(contact.emails ?? []).map((email) => labelled(email.address, email.label)),
    ...(contact.urls ?? []),
    ...(contact.address === undefined ? [] : [contact.address]),
  ].join('\n');
}

/** Caption (or file name) and link: what a channel without that media can still show. */
export function mediaLinkText(media: MediaContent): string {
  const label = media.caption ?? media.filename;
  return label === undefined ? media.url : `${label}\n${media.url}`;
}
