// A list the channel cannot show becomes quick replies or buttons when that loses nothing (no
// section titles, no row descriptions: RCS's advice for lists), else numbered text.

import type { Capabilities } from '../capabilities';
import type { Button, ListContent } from '../content';
import { buttonsMisfit, choicesMisfit, listMisfit } from './misfit';
import { shaped, type Notes, type Shaped } from './shaped';
import { joinBlocks, listBlocks } from './textForms';
import type { ReplyOption } from './types';

export function transcodeList(list: ListContent, capabilities: Capabilities, notes: Notes): Shaped {
  const notList = listMisfit(list, capabilities.lists);
  if (notList === null) return shaped([list]);

  const rows = list.sections.flatMap((section) => section.rows);
  const plain = list.sections.every((section) => section.title === undefined) && rows.every((row) => row.description === undefined);
  if (plain) {
    const choices: Button[] = rows.map((row) => ({ title: row.title, postback: row.id }));
    if (choicesMisfit(choices, capabilities.quickReplies, 'quick replies', 'sections') === null) {
      notes.add('list.to_quick_replies', 'sections', notList);
      return shaped([{ type: 'rich', text: list.text, quickReplies: choices }]);
    }
    if (buttonsMisfit(choices, capabilities.buttons, 'buttons', 'sections') === null) {
      notes.add('list.to_buttons', 'sections', notList);
      return shaped([{ type: 'rich', text: list.text, buttons: choices }]);
    }
  }

  const options: ReplyOption[] = [];
  notes.add('list.to_text', 'sections', notList);
  return shaped([{ type: 'text', text: joinBlocks([list.text, ...listBlocks(list, options)]) }], true, options);
}
