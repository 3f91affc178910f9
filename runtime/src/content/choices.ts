import type { Button } from './types';

/** What a button does when pressed: send a reply, open a link, or call a number. */
export type ButtonAction = 'reply' | 'url' | 'phone';

export function buttonAction(button: Button): ButtonAction {
  if (button.url !== undefined) return 'url';
  if (button.phone !== undefined) return 'phone';
  return 'reply';
}

/**
 * What comes back when a reply choice is picked: its postback, else its id (WhatsApp and
 * list rows identify choices by id), else its title (what a user types on a plain-text channel).
 */
export function choicePostback(choice: { title: string; postback?: string; id?: string }): string {
  return choice.postback ?? choice.id ?? choice.title;
}
