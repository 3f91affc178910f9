import Ajv, { type ErrorObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { contentLimits, contentSchema, type Content } from '../../runtime/src/content';

// Strict mode throws on anything ajv considers ambiguous: the schema must compile without it.
const ajv = new Ajv({ strict: true, allErrors: true });
const validate = ajv.compile(contentSchema);

/** Field errors, without ajv's "must match then schema" companions. */
function errors(content: unknown): Pick<ErrorObject, 'instancePath' | 'keyword'>[] {
  if (validate(content)) return [];
  return (validate.errors ?? []).filter((error) => error.keyword !== 'if').map(({ instancePath, keyword }) => ({ instancePath, keyword }));
}

const valid: Content[] = [
  { type: 'text', text: 'Hello' },
  { type: 'media', url: 'https://files.example/a.png', mimeType: 'image/png', filename: 'a.png', caption: 'A', sizeBytes: 10 },
  { type: 'location', latitude: -90, longitude: 180, label: 'Pole', address: 'South' },
  {
    type: 'contact',
    name: 'Jane Doe',
    givenName: 'Jane',
    familyName: 'Doe',
    organization: 'Acme',
    jobTitle: 'CTO',
    phones: [{ number: '+1 555 123', label: 'mobile' }],
    emails: [{ address: 'jane@acme.example' }],
    urls: ['https://acme.example'],
    address: '1 Main St',
  },
  {
    type: 'rich',
    text: 'Pick',
    buttons: [{ id: 'a', title: 'A', postback: 'pa' }, { title: 'Site', url: 'http://x.example' }, { title: 'Call', phone: '+15551234567' }],
    quickReplies: [{ title: 'Q', postback: 'q' }],
  },
  { type: 'rich', cards: [{ title: 'Card', subtitle: 'Sub', imageUrl: 'https://img.example/c.png', buttons: [{ title: 'Buy' }] }] },
  { type: 'rich', carousel: { cards: [{ title: 'One' }, { title: 'Two' }] } },
  { type: 'list', text: 'Pick', button: 'Open', sections: [{ title: 'S', rows: [{ id: 'r', title: 'Row', description: 'D' }] }] },
  { type: 'template', name: 'order_ready', language: 'en_US', parameters: ['42'] },
  { type: 'template', name: 'order_ready', language: 'pt-BR', parameters: { order: '42', '1': 'x' }, fallback: { type: 'text', text: 'Ready' } },
  { type: 'system', text: 'Agent joined', code: 'agent_joined' },
  { type: 'custom:acme', data: { any: ['json', 1, null] } },
  { type: 'custom:acme.orders-v2' },
];

describe('contentSchema', () => {
  it.each(valid.map((content) => [content.type, content] as const))('accepts %s content', (_type, content) => {
    expect(errors(content)).toEqual([]);
  });

  it('names the field of a button title over the universal limit, as content.buttons[3].title', () => {
    const buttons = [{ title: 'A' }, { title: 'B' }, { title: 'C' }, { title: 'x'.repeat(contentLimits.choiceTitleLength + 1) }];
    expect(errors({ type: 'rich', text: 'Pick', buttons })).toEqual([{ instancePath: '/buttons/3/title', keyword: 'maxLength' }]);
  });

  it('keeps field paths when embedded in another schema', () => {
    const validateInput = new Ajv({ strict: true, allErrors: true }).compile({
      type: 'object',
      properties: { content: contentSchema },
      required: ['content'],
    });
    validateInput({ content: { type: 'list', text: 'x', button: 'b', sections: [{ rows: [{ id: 'a' }] }] } });
    expect(validateInput.errors?.filter((error) => error.keyword !== 'if').map((error) => error.instancePath)).toEqual(['/content/sections/0/rows/0']);
  });

  it.each([
    ['an unknown type', { type: 'txt', text: 'x' }, '/type', 'pattern'],
    ['no type', { text: 'x' }, '', 'required'],
    ['empty text', { type: 'text', text: '' }, '/text', 'minLength'],
    ['text over 32,768', { type: 'text', text: 'x'.repeat(32_769) }, '/text', 'maxLength'],
    ['a misspelt field', { type: 'media', url: 'https://f.example', mimeType: 'image/png', captoin: 'x' }, '', 'additionalProperties'],
    ['a media url that is not http(s)', { type: 'media', url: 'file:///etc/passwd', mimeType: 'image/png' }, '/url', 'pattern'],
    ['media without a MIME type', { type: 'media', url: 'https://f.example' }, '', 'required'],
    ['a negative size', { type: 'media', url: 'https://f.example', mimeType: 'image/png', sizeBytes: -1 }, '/sizeBytes', 'minimum'],
    ['a latitude over 90', { type: 'location', latitude: 91, longitude: 0 }, '/latitude', 'maximum'],
    ['21 buttons', { type: 'rich', buttons: Array.from({ length: 21 }, () => ({ title: 'x' })) }, '/buttons', 'maxItems'],
    ['an empty button list', { type: 'rich', text: 'x', buttons: [] }, '/buttons', 'minItems'],
    ['a phone with letters', { type: 'rich', buttons: [{ title: 'x', phone: 'call me' }] }, '/buttons/0/phone', 'pattern'],
    ['11 carousel cards', { type: 'rich', carousel: { cards: Array.from({ length: 11 }, () => ({ title: 'x' })) } }, '/carousel/cards', 'maxItems'],
    ['11 rows in a section', { type: 'list', text: 'x', button: 'b', sections: [{ rows: Array.from({ length: 11 }, (_, i) => ({ id: `${i}`, title: 'x' })) }] }, '/sections/0/rows', 'maxItems'],
    ['a list without button', { type: 'list', text: 'x', sections: [{ rows: [{ id: 'a', title: 'A' }] }] }, '', 'required'],
    ['a template language that is no language tag', { type: 'template', name: 'n', language: 'english please' }, '/language', 'pattern'],
    ['a non-string template parameter', { type: 'template', name: 'n', language: 'en', parameters: ['a', 2] }, '/parameters/1', 'type'],
    ['a template parameter name with spaces', { type: 'template', name: 'n', language: 'en', parameters: { 'first name': 'x' } }, '/parameters', 'propertyNames'],
    ['a template falling back to a template', { type: 'template', name: 'n', language: 'en', fallback: { type: 'template', name: 'm', language: 'en' } }, '/fallback/type', 'pattern'],
    ['an invalid fallback field', { type: 'template', name: 'n', language: 'en', fallback: { type: 'text', text: '' } }, '/fallback/text', 'minLength'],
    ['an upper-case custom namespace', { type: 'custom:Acme' }, '/type', 'pattern'],
    ['an empty custom namespace', { type: 'custom:' }, '/type', 'pattern'],
    ['a custom namespace over 64 characters', { type: `custom:${'a'.repeat(65)}` }, '/type', 'pattern'],
    ['extra fields on custom content', { type: 'custom:acme', payload: 1 }, '', 'additionalProperties'],
  ])('rejects %s', (_label, content, instancePath, keyword) => {
    expect(errors(content)).toContainEqual({ instancePath, keyword });
  });

  it('reports only the fields of the type the caller meant', () => {
    expect(errors({ type: 'location', latitude: 'north', longitude: 0 })).toEqual([{ instancePath: '/latitude', keyword: 'type' }]);
  });

  it('is self-contained: no $ref or $id to resolve', () => {
    const json = JSON.stringify(contentSchema);
    expect(json).not.toContain('$ref');
    expect(json).not.toContain('$id');
  });
});
