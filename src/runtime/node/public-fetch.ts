import { lookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent, fetch as undiciFetch } from 'undici';
import type { PlainFetch } from '../../../connectors/connector.js';
import { RefusedAddressError } from '../../../connectors/webhook/client.js';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A fetch whose connections go only to addresses the policy accepts. The check runs inside the
 * connection's own DNS look-up, so the address checked is the address connected to (no
 * rebinding between a check and the connection), and on every redirect hop too. `resolver`
 * replaces DNS in tests (a name that resolves to 127.0.0.1).
 */
export function publicFetch(refusal: (address: string) => string | null, resolver: { lookup: typeof lookup } = { lookup }): PlainFetch {
  const checkedLookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    resolver.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      for (const a of addresses) {
        const why = refusal(a.address);
        if (why) return callback(new RefusedAddressError(hostname, a.address, why), []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      return first ? callback(null, first.address, first.family) : callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
    });
  };
  const dispatcher = new Agent({ connect: { lookup: checkedLookup } });
  return (url, init) => undiciFetch(url, { ...init, dispatcher });
}
