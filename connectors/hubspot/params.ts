import { z } from 'zod';

/** An optional parameter that a template may render as an empty string. */
export const Blankable = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/** A HubSpot record id (digits), as templates render it (`{{ contact.id }}`). */
export const HubSpotId = z.coerce.string().regex(/^\d+$/, 'must be a HubSpot record id (digits)');
