// Roomwire content, already transcoded for the channel, as Conversation API app messages (the
// `message` of messages:send). Sinch renders each type natively where the channel has it; the
// transcoder has already turned anything the channel's capabilities exclude into what it can
// carry (numbered text on SMS), so this mapping never degrades anything itself. A rich message
// whose text cannot ride inside a card or carousel goes out as two messages: the text first.
import { buttonAction, choicePostback, type Button, type Card, type Content as TypedContent, type ListContent, type QuickReply, type RichContent } from '../../content';
import type { Content } from '../../model';
import { ProviderError } from '../contract';

export type SinchMessage = Record<string, unknown>;

function choice(button: Button): SinchMessage {
  switch (buttonAction(button)) {
    case 'url':
      return { url_message: { title: button.title, url: button.url } };
    case 'phone':
      return { call_message: { title: button.title, phone_number: button.phone } };
    default:
      return { text_message: { text: button.title }, postback_data: choicePostback(button) };
  }
}

function quickReply(reply: QuickReply): SinchMessage {
  return { text_message: { text: reply.title }, postback_data: choicePostback(reply) };
}

function card(value: Card): SinchMessage {
  return {
    title: value.title,
    ...(value.subtitle ? { description: value.subtitle } : {}),
    ...(value.imageUrl ? { media_message: { url: value.imageUrl } } : {}),
    ...(value.buttons?.length ? { choices: value.buttons.map(choice) } : {}),
  };
}

function text(value: string): SinchMessage {
  return { text_message: { text: value } };
}

function rich(content: RichContent): SinchMessage[] {
  const choices = [...(content.buttons ?? []).map(choice), ...(content.quickReplies ?? []).map(quickReply)];
  const cards = content.carousel?.cards ?? content.cards ?? [];
  const lead = content.text ? [text(content.text)] : [];
  if (cards.length > 1 || content.carousel) {
    return [...lead, { carousel_message: { cards: cards.map(card), ...(choices.length ? { choices } : {}) } }];
  }
  if (cards.length === 1) {
    const only = card(cards[0]!);
    const cardChoices = [...((only.choices as SinchMessage[] | undefined) ?? []), ...choices];
    return [...lead, { card_message: { ...only, ...(cardChoices.length ? { choices: cardChoices } : {}) } }];
  }
  if (choices.length > 0) return [{ choice_message: { ...(content.text ? { text_message: { text: content.text } } : {}), choices } }];
  return lead;
}

function list(content: ListContent): SinchMessage {
  return {
    list_message: {
      title: content.text,
      sections: content.sections.map((section) => ({
        ...(section.title ? { title: section.title } : {}),
        items: section.rows.map((row) => ({
          choice: { title: row.title, ...(row.description ? { description: row.description } : {}), postback_data: row.id },
        })),
      })),
      message_properties: { menu: content.button },
    },
  };
}

/** The app messages for one transcoded content, in the order they are sent. */
export function sinchMessages(stored: Content, channelType: string): SinchMessage[] {
  // The engine validated the content against its schema before it was transcoded.
  const content = stored as unknown as TypedContent;
  switch (content.type) {
    case 'text':
    case 'system':
      return [text(content.text)];
    case 'media':
      return [{ media_message: { url: content.url, ...(content.filename ? { filename_override: content.filename } : {}) } }];
    case 'location':
      return [
        {
          location_message: {
            coordinates: { latitude: content.latitude, longitude: content.longitude },
            title: content.label ?? content.address ?? 'Location',
            ...(content.address && content.label ? { label: content.address } : {}),
          },
        },
      ];
    case 'rich': {
      const messages = rich(content);
      if (messages.length === 0) throw new ProviderError('unsupported_content', 'a rich message with nothing in it cannot be sent through Sinch', true);
      return messages;
    }
    case 'list':
      return [list(content)];
    case 'template': {
      const parameters = Array.isArray(content.parameters)
        ? Object.fromEntries(content.parameters.map((value, i) => [String(i + 1), value]))
        : (content.parameters ?? {});
      return [{ template_message: { omni_template: { template_id: content.name, version: 'latest', language_code: content.language, parameters } } }];
    }
    default:
      throw new ProviderError('unsupported_content', `Sinch cannot send ${content.type} content on a ${channelType} channel`, true);
  }
}
