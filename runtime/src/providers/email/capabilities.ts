// What SMTP cannot carry although the email profile can: provider templates (the transcoder sends
// a template's fallback content instead). Media goes out as a link (see render.ts).
import type { CapabilitiesOverride } from '../../capabilities';

export function emailCapabilities(channelType: string): CapabilitiesOverride | undefined {
  return channelType === 'email' ? { templates: false } : undefined;
}
