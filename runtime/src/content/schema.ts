// JSON Schema of the content union, self-contained (no $id, no $ref) so that an operation's input
// schema can embed it as a property. Strict-clean for ajv 8. Each content type is an
// `if type = X then <schema of X>` branch rather than a `oneOf`: with `allErrors` a `oneOf`
// reports every branch's failures, a branch reports only the fields of the type the caller meant.
// ajv adds one `if` error ("must match \"then\" schema") beside the field errors; callers that
// show a single error should prefer the other ones.

import type { SchemaObject } from 'ajv';
import { contentLimits as L } from './limits';

/** `custom:<ns>`: a lower-case namespace such as `custom:acme` or `custom:acme.orders`. */
export const CUSTOM_TYPE_PATTERN = '^custom:[a-z0-9][a-z0-9._-]{0,63}$';

function string(maxLength: number): SchemaObject {
  return { type: 'string', minLength: 1, maxLength };
}

function array(items: SchemaObject, maxItems: number): SchemaObject {
  return { type: 'array', minItems: 1, maxItems, items };
}

function object(properties: Record<string, SchemaObject>, required: string[]): SchemaObject {
  return { type: 'object', required, properties, additionalProperties: false };
}

function typed(type: string, properties: Record<string, SchemaObject>, required: string[]): SchemaObject {
  return object({ type: { const: type }, ...properties }, ['type', ...required]);
}

// Providers fetch media and open links themselves: only http(s) makes sense on every channel.
const httpUrl: SchemaObject = { type: 'string', maxLength: L.urlLength, pattern: '^https?://\\S+$' };
const phone: SchemaObject = { type: 'string', maxLength: L.phoneLength, pattern: '^\\+?[0-9][0-9 ().-]*$' };

const button = object(
  {
    id: string(L.idLength),
    title: string(L.choiceTitleLength),
    postback: string(L.postbackLength),
    url: httpUrl,
    phone,
  },
  ['title'],
);

const quickReply = object({ title: string(L.choiceTitleLength), postback: string(L.postbackLength) }, ['title']);

const card = object(
  {
    title: string(L.titleLength),
    subtitle: string(L.descriptionLength),
    imageUrl: httpUrl,
    buttons: array(button, L.cardButtons),
  },
  ['title'],
);

const text = typed('text', { text: string(L.textLength) }, ['text']);

const media = typed(
  'media',
  {
    url: httpUrl,
    // RFC 6838 type/subtype, without parameters.
    mimeType: { type: 'string', maxLength: 255, pattern: '^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$' },
    filename: string(L.titleLength),
    caption: string(L.textLength),
    sizeBytes: { type: 'integer', minimum: 0 },
  },
  ['url', 'mimeType'],
);

const location = typed(
  'location',
  {
    latitude: { type: 'number', minimum: -90, maximum: 90 },
    longitude: { type: 'number', minimum: -180, maximum: 180 },
    label: string(L.titleLength),
    address: string(L.descriptionLength),
  },
  ['latitude', 'longitude'],
);

const contact = typed(
  'contact',
  {
    name: string(L.titleLength),
    givenName: string(L.titleLength),
    familyName: string(L.titleLength),
    organization: string(L.titleLength),
    jobTitle: string(L.titleLength),
    phones: array(object({ number: string(64), label: string(64) }, ['number']), L.contactEntries),
    emails: array(
      object({ address: { type: 'string', maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' }, label: string(64) }, ['address']),
      L.contactEntries,
    ),
    urls: array(httpUrl, L.contactEntries),
    address: string(L.descriptionLength),
  },
  ['name'],
);

const rich = typed(
  'rich',
  {
    text: string(L.textLength),
    buttons: array(button, L.buttons),
    quickReplies: array(quickReply, L.quickReplies),
    cards: array(card, L.cards),
    carousel: object({ cards: array(card, L.cards) }, ['cards']),
  },
  [],
);

const list = typed(
  'list',
  {
    text: string(L.textLength),
    button: string(L.titleLength),
    sections: array(
      object(
        {
          title: string(L.titleLength),
          rows: array(
            object(
              { id: string(L.idLength), title: string(L.choiceTitleLength), description: string(L.descriptionLength) },
              ['id', 'title'],
            ),
            L.listRowsPerSection,
          ),
        },
        ['rows'],
      ),
      L.listSections,
    ),
  },
  ['text', 'button', 'sections'],
);

const system = typed(
  'system',
  { text: string(L.textLength), code: { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' } },
  ['text'],
);

const custom = object({ type: { type: 'string' }, data: {} }, ['type']);

const templateParameters: SchemaObject = {
  if: { type: 'array' },
  then: { type: 'array', maxItems: L.templateParameters, items: string(L.templateParameterLength) },
  else: {
    type: 'object',
    maxProperties: L.templateParameters,
    // Named (`first_name`) or numbered (`1`, as Twilio's ContentVariables) parameters.
    propertyNames: { pattern: '^[A-Za-z0-9_]{1,64}$' },
    additionalProperties: string(L.templateParameterLength),
  },
};

/**
 * One `if … then … else if …` chain in the order of the branches (text first): content is checked
 * against its own type's branch after failing only the `if`s before it. ajv allocates a
 * placeholder error for every `if` that fails, so as separate `if`s (an `allOf`) a text message
 * paid for the eight branches it is not, on every write.
 */
function union(branches: Record<string, SchemaObject>): SchemaObject {
  const names = Object.keys(branches);
  const customNamespace = CUSTOM_TYPE_PATTERN.slice(1, -1);
  const typeIs = (type: SchemaObject): SchemaObject => ({ required: ['type'], properties: { type } });
  const chain = names.reduceRight<SchemaObject>(
    (otherwise, name) => ({ if: typeIs({ const: name }), then: branches[name]!, else: otherwise }),
    { if: typeIs({ type: 'string', pattern: '^custom:' }), then: custom },
  );
  return {
    type: 'object',
    required: ['type'],
    properties: { type: { type: 'string', pattern: `^(${names.join('|')}|${customNamespace})$` } },
    allOf: [chain],
  };
}

const freeForm = { text, media, location, contact, rich, list, system };

/** What a template may fall back to: any content but a template. */
const fallbackContentSchema: SchemaObject = union(freeForm);

const template = typed(
  'template',
  {
    name: string(L.templateNameLength),
    language: { type: 'string', maxLength: 35, pattern: '^[A-Za-z]{2,3}([_-][A-Za-z0-9]{1,8})*$' },
    parameters: templateParameters,
    fallback: fallbackContentSchema,
  },
  ['name', 'language'],
);

export const contentSchema: SchemaObject = union({ ...freeForm, template });
