import ipaddr from 'ipaddr.js';

/**
 * Which addresses an outbound webhook may reach. Recipes name the URL, so without this rule a
 * recipe (or a template filled from a survey answer) could make the hub call its own admin API,
 * a cloud metadata endpoint (169.254.169.254) or a database on the private network. Only public
 * unicast addresses are reachable, plus what the operator allows by address or CIDR range.
 */
export class AddressPolicy {
  private constructor(private readonly allowed: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][]) {}

  /**
   * `CLOSELOOP_WEBHOOK_ALLOW_ADDRESSES`: a comma-separated list of addresses or CIDR ranges
   * (`10.0.0.0/8, fd00::/8, 127.0.0.1`) that may be reached even though they are not public.
   * Throws naming the first entry that is neither.
   */
  static parse(list: string | undefined): AddressPolicy {
    const ranges = (list ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((entry): [ipaddr.IPv4 | ipaddr.IPv6, number] => {
        try {
          if (entry.includes('/')) return ipaddr.parseCIDR(entry);
          const address = ipaddr.parse(entry);
          return [address, address.kind() === 'ipv4' ? 32 : 128];
        } catch {
          throw new Error(`"${entry}" is not an IP address or CIDR range`);
        }
      });
    return new AddressPolicy(ranges);
  }

  /** Why `address` may not be reached (`a loopback address`), or null when it may. */
  refusal(address: string): string | null {
    let parsed: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      // IPv4-mapped IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it is.
      parsed = ipaddr.process(address);
    } catch {
      return 'not an IP address';
    }
    const range = parsed.range();
    if (range === 'unicast') return null;
    if (this.allowed.some(([net, bits]) => net.kind() === parsed.kind() && parsed.match(net, bits))) return null;
    return `a ${range} address`;
  }
}

/** Names that stand for this machine whatever DNS says. */
export function isLocalName(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

/** The host of a URL as an IP address literal (`[::1]` → `::1`), or null for a name. */
export function addressLiteral(url: URL): string | null {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return ipaddr.isValid(host) ? host : null;
}
