import { z } from 'zod';

export { Blankable } from '../params.js';

/** A HubSpot record id (digits), as templates render it (`{{ contact.id }}`). */
export const HubSpotId = z.coerce.string().regex(/^\d+$/, 'must be a HubSpot record id (digits)');
